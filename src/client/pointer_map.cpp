#include "client/pointer_map.h"

#include <algorithm>

#include "client/frame_geometry.h"

namespace kagami::client {

DesktopOffset desktop_offset(const std::optional<protocol::OutputInfo>& output) {
  if (!output) return {};
  // parse_output checked the rectangle lies inside the desktop box and that both are within
  // kMaxDesktopCoordinate: the differences fit an int and are >= 0.
  return {output->rect.x - output->desktop.x, output->rect.y - output->desktop.y};
}

bool window_to_desktop(const FrameGeometry& g, const Layout& layout, const DesktopOffset& offset, double wx,
                       double wy, int& desktop_x, int& desktop_y) {
  double gx = 0, gy = 0;
  const bool inside = client::window_to_guest(g, layout, wx, wy, gx, gy);
  desktop_x =
      offset.x + std::clamp(static_cast<int>(gx), 0, static_cast<int>(std::max(g.screen_width, 1u)) - 1);
  desktop_y =
      offset.y + std::clamp(static_cast<int>(gy), 0, static_cast<int>(std::max(g.screen_height, 1u)) - 1);
  return inside;
}

bool WindowPointerMap::window_to_guest(int window_x, int window_y, int& guest_x, int& guest_y) const {
  if (!view_.has_frame) return false;
  int points_w = 0, points_h = 0;
  SDL_GetWindowSize(window_.sdl(), &points_w, &points_h);
  const double sx = points_w > 0 ? static_cast<double>(view_.drawable_width) / points_w : 1.0;  // HiDPI
  const double sy = points_h > 0 ? static_cast<double>(view_.drawable_height) / points_h : 1.0;
  return window_to_desktop(view_.geometry, view_.layout, view_.offset, window_x * sx, window_y * sy, guest_x,
                           guest_y);
}

}  // namespace kagami::client
