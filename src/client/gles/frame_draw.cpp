#include "client/gles/frame_draw.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "client/gles/frame_shaders.h"

namespace kagami::client {

using protocol::FrameRotation;
using protocol::FrameType;

Result<std::unique_ptr<FrameDraw>> FrameDraw::create() {
  std::unique_ptr<FrameDraw> renderer(new FrameDraw());
  glGenVertexArrays(1, &renderer->vertex_array_);
  // Build the most common program now, so a driver that rejects the shaders fails at start.
  if (!renderer->program(FrameType::bgra, FilterMode::nearest, 0)) {
    return Error{"the GL driver cannot build the frame shaders (see the log above)"};
  }
  return renderer;
}

const FrameDraw::Program* FrameDraw::program(FrameType type, FilterMode filter, int transfer) {
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

FrameDraw::~FrameDraw() { glDeleteVertexArrays(1, &vertex_array_); }

void FrameDraw::draw(const FrameTexture& texture, const FrameGeometry& geometry, FrameType type,
                     std::uint32_t flags, const Layout& layout, int window_width, int window_height) {
  if (!texture.valid() || layout.dest.width <= 0 || layout.dest.height <= 0) return;
  int transfer = 0;
  if (flags & protocol::kFrameFlagHdrPq)
    transfer = 2;
  else if (type == FrameType::rgba16f)
    transfer = 1;
  // 8-bit SDR, upright, nearest or linear: a framebuffer blit. On llvmpipe a 1:1 blit is a row
  // copy, several times faster than any shader draw (docs/client.md).
  const bool blit = transfer == 0 && geometry.rotation == FrameRotation::r0 && texture.framebuffer() != 0 &&
                    (type == FrameType::bgra || type == FrameType::rgba) &&
                    (layout.filter == FilterMode::nearest || layout.filter == FilterMode::linear);
  if (blit) {
    const Rect& d = layout.dest;
    glBindFramebuffer(GL_READ_FRAMEBUFFER, texture.framebuffer());
    glBindFramebuffer(GL_DRAW_FRAMEBUFFER, 0);
    // Texture row 0 is the image's top; the window's y axis points up.
    glBlitFramebuffer(0, 0, static_cast<GLint>(geometry.frame_width),
                      static_cast<GLint>(geometry.frame_height), d.x, window_height - d.y, d.x + d.width,
                      window_height - (d.y + d.height), GL_COLOR_BUFFER_BIT,
                      layout.filter == FilterMode::nearest ? GL_NEAREST : GL_LINEAR);
    glBindFramebuffer(GL_READ_FRAMEBUFFER, 0);
    return;
  }
  const Program* p = program(type, layout.filter, transfer);
  if (!p) return;
  glViewport(0, 0, window_width, window_height);
  glUseProgram(p->gl->id());
  glBindVertexArray(vertex_array_);
  glActiveTexture(GL_TEXTURE0);
  glBindTexture(GL_TEXTURE_2D, texture.id());
  // RGB10_A2 and RGBA16F are filterable in GLES 3; BGR_32 is filtered by hand in the shader.
  const GLint gl_filter =
      layout.filter == FilterMode::nearest || type == FrameType::bgr_32 ? GL_NEAREST : GL_LINEAR;
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
  glUniform1i(p->rotation, static_cast<GLint>(geometry.rotation));
  glUniform2f(p->frame_size, static_cast<float>(geometry.frame_width),
              static_cast<float>(geometry.frame_height));
  glUniform1i(p->tex, 0);
  glUniform2f(p->tex_size, static_cast<float>(texture.width()), static_cast<float>(texture.height()));
  glUniform2i(p->frame_px, static_cast<GLint>(geometry.frame_width),
              static_cast<GLint>(geometry.frame_height));
  // The footprint is in frame axes: swapped when the image is turned by 90 or 270 degrees.
  const bool turned = geometry.rotation == FrameRotation::r90 || geometry.rotation == FrameRotation::r270;
  const float fx = static_cast<float>(geometry.image_width()) / static_cast<float>(d.width);
  const float fy = static_cast<float>(geometry.image_height()) / static_cast<float>(d.height);
  glUniform2f(p->footprint, turned ? fy : fx, turned ? fx : fy);
  glDisable(GL_BLEND);
  glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
  glBindVertexArray(0);
}

}  // namespace kagami::client
