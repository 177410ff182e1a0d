#include "client/frame_renderer.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "client/frame_shaders.h"

namespace kagami::client {

using protocol::FrameRotation;
using protocol::FrameType;

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

Result<std::unique_ptr<FrameRenderer>> FrameRenderer::create() {
  std::unique_ptr<FrameRenderer> renderer(new FrameRenderer());
  glGenVertexArrays(1, &renderer->vertex_array_);
  // Build the most common program now, so a driver that rejects the shaders fails at start.
  if (!renderer->program(FrameType::bgra, FilterMode::nearest, 0)) {
    return Error{"the GL driver cannot build the frame shaders (see the log above)"};
  }
  return renderer;
}

const FrameRenderer::Program* FrameRenderer::program(FrameType type, FilterMode filter, int transfer) {
  const int filter_id = filter == FilterMode::nearest ? 0 : filter == FilterMode::sharp ? 2 : 1;
  const ProgramKey key{static_cast<int>(type), filter_id, transfer};
  if (auto it = programs_.find(key); it != programs_.end()) return &it->second;
  const bool simple = filter_id < 2 && transfer == 0 &&
                      (type == FrameType::bgra || type == FrameType::rgba || type == FrameType::rgb_24 ||
                       type == FrameType::rgba10);
  const std::string fragment =
      simple ? std::string(kFrameFragmentShaderSimple)
             : fmt::format("#version 300 es\n#define TYPE {}\n#define FILTER {}\n#define TRANSFER {}\n{}",
                           static_cast<int>(type), filter_id, transfer, kFrameFragmentShaderBody);
  auto built = GlProgram::build(kFrameVertexShader, fragment.c_str());
  if (!built) {
    spdlog::error("{}", built.error().message);
    return nullptr;
  }
  Program p;
  p.gl = std::move(*built);
  p.dest = p.gl->uniform("u_dest");
  p.rotation = p.gl->uniform("u_rotation");
  p.frame_size = p.gl->uniform("u_frame_size");
  p.tex = p.gl->uniform("u_tex");
  p.tex_size = p.gl->uniform("u_tex_size");
  p.frame_px = p.gl->uniform("u_frame_px");
  p.footprint = p.gl->uniform("u_footprint");
  return &programs_.emplace(key, std::move(p)).first->second;
}

FrameRenderer::~FrameRenderer() { glDeleteVertexArrays(1, &vertex_array_); }

UploadStats FrameRenderer::upload(const protocol::ValidatedFrame& frame, const std::byte* pixels, bool full,
                                  const WaitReady& wait_ready) {
  if (texture_.configure(frame)) full = true;
  geometry_ = {frame.frame_width, frame.frame_height, frame.screen_width, frame.screen_height,
               frame.rotation};
  frame_rotation_ = frame.rotation;
  set_user_rotation(user_rotation_);
  type_ = frame.type;
  flags_ = frame.flags;
  return texture_.upload(frame, pixels, full, wait_ready);
}

void FrameRenderer::reset() { texture_.release(); }

void FrameRenderer::set_user_rotation(int quarter_turns) {
  user_rotation_ = ((quarter_turns % 4) + 4) % 4;
  geometry_.rotation =
      static_cast<protocol::FrameRotation>((static_cast<int>(frame_rotation_) + user_rotation_) % 4);
}

void FrameRenderer::draw(const Layout& layout, int window_width, int window_height) {
  if (!texture_.valid() || layout.dest.width <= 0 || layout.dest.height <= 0) return;
  int transfer = 0;
  if (flags_ & protocol::kFrameFlagHdrPq)
    transfer = 2;
  else if (type_ == FrameType::rgba16f)
    transfer = 1;
  // 8-bit SDR, upright, nearest or linear: a framebuffer blit. On llvmpipe a 1:1 blit is a row
  // copy, several times faster than any shader draw (docs/client.md).
  const bool blit = transfer == 0 && geometry_.rotation == FrameRotation::r0 && texture_.framebuffer() != 0 &&
                    (type_ == FrameType::bgra || type_ == FrameType::rgba) &&
                    (layout.filter == FilterMode::nearest || layout.filter == FilterMode::linear);
  if (blit) {
    const Rect& d = layout.dest;
    glBindFramebuffer(GL_READ_FRAMEBUFFER, texture_.framebuffer());
    glBindFramebuffer(GL_DRAW_FRAMEBUFFER, 0);
    // Texture row 0 is the image's top; the window's y axis points up.
    glBlitFramebuffer(0, 0, static_cast<GLint>(geometry_.frame_width),
                      static_cast<GLint>(geometry_.frame_height), d.x, window_height - d.y, d.x + d.width,
                      window_height - (d.y + d.height), GL_COLOR_BUFFER_BIT,
                      layout.filter == FilterMode::nearest ? GL_NEAREST : GL_LINEAR);
    glBindFramebuffer(GL_READ_FRAMEBUFFER, 0);
    return;
  }
  const Program* p = program(type_, layout.filter, transfer);
  if (!p) return;
  glViewport(0, 0, window_width, window_height);
  glUseProgram(p->gl->id());
  glBindVertexArray(vertex_array_);
  glActiveTexture(GL_TEXTURE0);
  glBindTexture(GL_TEXTURE_2D, texture_.id());
  // RGB10_A2 and RGBA16F are filterable in GLES 3; BGR_32 is filtered by hand in the shader.
  const GLint gl_filter =
      layout.filter == FilterMode::nearest || type_ == FrameType::bgr_32 ? GL_NEAREST : GL_LINEAR;
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, gl_filter);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, gl_filter);

  const auto ndc_x = [&](int x) {
    return 2.0f * static_cast<float>(x) / static_cast<float>(window_width) - 1.0f;
  };
  const auto ndc_y = [&](int y) {
    return 1.0f - 2.0f * static_cast<float>(y) / static_cast<float>(window_height);
  };
  const Rect& d = layout.dest;
  glUniform4f(p->dest, ndc_x(d.x), ndc_y(d.y), ndc_x(d.x + d.width), ndc_y(d.y + d.height));
  glUniform1i(p->rotation, static_cast<GLint>(geometry_.rotation));
  glUniform2f(p->frame_size, static_cast<float>(geometry_.frame_width),
              static_cast<float>(geometry_.frame_height));
  glUniform1i(p->tex, 0);
  glUniform2f(p->tex_size, static_cast<float>(texture_.width()), static_cast<float>(texture_.height()));
  glUniform2i(p->frame_px, static_cast<GLint>(geometry_.frame_width),
              static_cast<GLint>(geometry_.frame_height));
  // The footprint is in frame axes: swapped when the image is turned by 90 or 270 degrees.
  const bool turned = geometry_.rotation == FrameRotation::r90 || geometry_.rotation == FrameRotation::r270;
  const float fx = static_cast<float>(geometry_.image_width()) / static_cast<float>(d.width);
  const float fy = static_cast<float>(geometry_.image_height()) / static_cast<float>(d.height);
  glUniform2f(p->footprint, turned ? fy : fx, turned ? fx : fy);
  glDisable(GL_BLEND);
  glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
  glBindVertexArray(0);
}

}  // namespace kagami::client
