#include "client/frame_renderer.h"

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

void guest_to_window(const FrameGeometry& g, const Layout& layout, double gx, double gy, double& wx, double& wy) {
  // Guest desktop -> frame pixels (the capture may be scaled), then rotate like the image.
  const double fx = g.screen_width ? gx * g.frame_width / g.screen_width : gx;
  const double fy = g.screen_height ? gy * g.frame_height / g.screen_height : gy;
  double ix = fx, iy = fy;
  switch (g.rotation) {
    case FrameRotation::r90: ix = g.frame_height - fy; iy = fx; break;
    case FrameRotation::r180: ix = g.frame_width - fx; iy = g.frame_height - fy; break;
    case FrameRotation::r270: ix = fy; iy = g.frame_width - fx; break;
    default: break;
  }
  const double sx = g.image_width() ? static_cast<double>(layout.dest.width) / g.image_width() : 1.0;
  const double sy = g.image_height() ? static_cast<double>(layout.dest.height) / g.image_height() : 1.0;
  wx = layout.dest.x + ix * sx;
  wy = layout.dest.y + iy * sy;
}

Result<std::unique_ptr<FrameRenderer>> FrameRenderer::create() {
  auto program = GlProgram::build(kFrameVertexShader, kFrameFragmentShader);
  if (!program) return program.error();
  return std::unique_ptr<FrameRenderer>(new FrameRenderer(std::move(*program)));
}

FrameRenderer::FrameRenderer(std::unique_ptr<GlProgram> program) : program_(std::move(program)) {
  glGenVertexArrays(1, &vertex_array_);
  u_dest_ = program_->uniform("u_dest");
  u_rotation_ = program_->uniform("u_rotation");
  u_frame_size_ = program_->uniform("u_frame_size");
  u_tex_ = program_->uniform("u_tex");
  u_type_ = program_->uniform("u_type");
  u_filter_ = program_->uniform("u_filter");
  u_tex_size_ = program_->uniform("u_tex_size");
  u_frame_size_i_ = program_->uniform("u_frame_px");
  u_footprint_ = program_->uniform("u_footprint");
  u_transfer_ = program_->uniform("u_transfer");
}

FrameRenderer::~FrameRenderer() { glDeleteVertexArrays(1, &vertex_array_); }

UploadStats FrameRenderer::upload(const protocol::ValidatedFrame& frame, const std::byte* pixels, bool full,
                                  const WaitReady& wait_ready) {
  if (texture_.configure(frame)) full = true;
  geometry_ = {frame.frame_width, frame.frame_height, frame.screen_width, frame.screen_height, frame.rotation};
  type_ = frame.type;
  flags_ = frame.flags;
  return texture_.upload(frame, pixels, full, wait_ready);
}

void FrameRenderer::reset() { texture_.release(); }

void FrameRenderer::draw(const Layout& layout, int window_width, int window_height) {
  if (!texture_.valid() || layout.dest.width <= 0 || layout.dest.height <= 0) return;
  glViewport(0, 0, window_width, window_height);
  glUseProgram(program_->id());
  glBindVertexArray(vertex_array_);
  glActiveTexture(GL_TEXTURE0);
  glBindTexture(GL_TEXTURE_2D, texture_.id());
  // RGB10_A2 and RGBA16F are filterable in GLES 3; BGR_32 is filtered by hand in the shader.
  const GLint gl_filter = layout.filter == FilterMode::nearest || type_ == FrameType::bgr_32 ? GL_NEAREST : GL_LINEAR;
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, gl_filter);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, gl_filter);

  const auto ndc_x = [&](int x) { return 2.0f * static_cast<float>(x) / static_cast<float>(window_width) - 1.0f; };
  const auto ndc_y = [&](int y) { return 1.0f - 2.0f * static_cast<float>(y) / static_cast<float>(window_height); };
  const Rect& d = layout.dest;
  glUniform4f(u_dest_, ndc_x(d.x), ndc_y(d.y), ndc_x(d.x + d.width), ndc_y(d.y + d.height));
  glUniform1i(u_rotation_, static_cast<GLint>(geometry_.rotation));
  glUniform2f(u_frame_size_, static_cast<float>(geometry_.frame_width), static_cast<float>(geometry_.frame_height));
  glUniform1i(u_tex_, 0);
  glUniform1i(u_type_, static_cast<GLint>(type_));
  glUniform1i(u_filter_, layout.filter == FilterMode::nearest ? 0 : layout.filter == FilterMode::sharp ? 2 : 1);
  glUniform2f(u_tex_size_, static_cast<float>(texture_.width()), static_cast<float>(texture_.height()));
  glUniform2i(u_frame_size_i_, static_cast<GLint>(geometry_.frame_width), static_cast<GLint>(geometry_.frame_height));
  // The footprint is in frame axes: swapped when the image is turned by 90 or 270 degrees.
  const bool turned = geometry_.rotation == FrameRotation::r90 || geometry_.rotation == FrameRotation::r270;
  const float fx = static_cast<float>(geometry_.image_width()) / static_cast<float>(d.width);
  const float fy = static_cast<float>(geometry_.image_height()) / static_cast<float>(d.height);
  glUniform2f(u_footprint_, turned ? fy : fx, turned ? fx : fy);
  int transfer = 0;
  if (flags_ & protocol::kFrameFlagHdrPq) transfer = 2;
  else if (type_ == FrameType::rgba16f) transfer = 1;
  glUniform1i(u_transfer_, transfer);
  glDisable(GL_BLEND);
  glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
  glBindVertexArray(0);
}

}  // namespace kagami::client
