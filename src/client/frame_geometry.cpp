#include "client/frame_geometry.h"

namespace kagami::client {

using protocol::FrameRotation;

std::uint32_t FrameGeometry::image_width() const {
  return rotation == FrameRotation::r90 || rotation == FrameRotation::r270 ? frame_height : frame_width;
}
std::uint32_t FrameGeometry::image_height() const {
  return rotation == FrameRotation::r90 || rotation == FrameRotation::r270 ? frame_width : frame_height;
}

void guest_to_window(const FrameGeometry& g, const Layout& layout, double gx, double gy, double& wx,
                     double& wy) {
  // Guest desktop -> frame pixels (the capture may be scaled), then rotate like the image.
  const double fx = g.screen_width ? gx * g.frame_width / g.screen_width : gx;
  const double fy = g.screen_height ? gy * g.frame_height / g.screen_height : gy;
  double ix = fx, iy = fy;
  switch (g.rotation) {
    case FrameRotation::r90:
      ix = g.frame_height - fy;
      iy = fx;
      break;
    case FrameRotation::r180:
      ix = g.frame_width - fx;
      iy = g.frame_height - fy;
      break;
    case FrameRotation::r270:
      ix = fy;
      iy = g.frame_width - fx;
      break;
    default:
      break;
  }
  const double sx = g.image_width() ? static_cast<double>(layout.dest.width) / g.image_width() : 1.0;
  const double sy = g.image_height() ? static_cast<double>(layout.dest.height) / g.image_height() : 1.0;
  wx = layout.dest.x + ix * sx;
  wy = layout.dest.y + iy * sy;
}

bool window_to_guest(const FrameGeometry& g, const Layout& layout, double wx, double wy, double& gx,
                     double& gy) {
  if (layout.dest.width <= 0 || layout.dest.height <= 0 || g.frame_width == 0 || g.frame_height == 0)
    return false;
  const double ix = (wx - layout.dest.x) * g.image_width() / layout.dest.width;
  const double iy = (wy - layout.dest.y) * g.image_height() / layout.dest.height;
  double fx = ix, fy = iy;
  switch (g.rotation) {
    case FrameRotation::r90:
      fx = iy;
      fy = g.frame_height - ix;
      break;
    case FrameRotation::r180:
      fx = g.frame_width - ix;
      fy = g.frame_height - iy;
      break;
    case FrameRotation::r270:
      fx = g.frame_width - iy;
      fy = ix;
      break;
    default:
      break;
  }
  gx = g.screen_width ? fx * g.screen_width / g.frame_width : fx;
  gy = g.screen_height ? fy * g.screen_height / g.frame_height : fy;
  return ix >= 0 && iy >= 0 && ix < g.image_width() && iy < g.image_height();
}

}  // namespace kagami::client
