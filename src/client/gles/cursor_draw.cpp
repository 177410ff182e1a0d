#include "client/gles/cursor_draw.h"

#include <cmath>

namespace kagami::client {
namespace {

constexpr const char* kVertex = R"(#version 300 es
uniform vec4 u_dest;  // NDC: left, top, right, bottom
out vec2 v_uv;
void main() {
  vec2 c = vec2(float(gl_VertexID & 1), float(gl_VertexID >> 1));
  gl_Position = vec4(mix(u_dest.x, u_dest.z, c.x), mix(u_dest.y, u_dest.w, c.y), 0.0, 1.0);
  v_uv = c;
}
)";

constexpr const char* kFragment = R"(#version 300 es
precision mediump float;
uniform sampler2D u_tex;
in vec2 v_uv;
out vec4 o_color;
void main() { o_color = texture(u_tex, v_uv); }
)";

GLuint make_texture() {
  GLuint t = 0;
  glGenTextures(1, &t);
  glBindTexture(GL_TEXTURE_2D, t);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
  return t;
}

}  // namespace

Result<std::unique_ptr<CursorDraw>> CursorDraw::create() {
  auto program = GlProgram::build(kVertex, kFragment);
  if (!program) return program.error();
  return std::unique_ptr<CursorDraw>(new CursorDraw(std::move(*program)));
}

CursorDraw::CursorDraw(std::unique_ptr<GlProgram> program) : program_(std::move(program)) {
  glGenVertexArrays(1, &vertex_array_);
  blend_ = make_texture();
  invert_ = make_texture();
  u_dest_ = program_->uniform("u_dest");
  u_tex_ = program_->uniform("u_tex");
}

CursorDraw::~CursorDraw() {
  glDeleteTextures(1, &blend_);
  glDeleteTextures(1, &invert_);
  glDeleteVertexArrays(1, &vertex_array_);
}

void CursorDraw::set_image(const CursorImage& image) {
  glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
  glPixelStorei(GL_UNPACK_ROW_LENGTH, 0);
  const auto w = static_cast<GLsizei>(image.width), h = static_cast<GLsizei>(image.height);
  glBindTexture(GL_TEXTURE_2D, blend_);
  glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, w, h, 0, GL_RGBA, GL_UNSIGNED_BYTE, image.blend.data());
  glBindTexture(GL_TEXTURE_2D, invert_);
  glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, w, h, 0, GL_RGBA, GL_UNSIGNED_BYTE, image.invert.data());
  width_ = image.width;
  height_ = image.height;
  has_invert_ = image.has_invert;
}

void CursorDraw::draw(double x, double y, double scale, int window_width, int window_height) {
  if (!has_image() || window_width <= 0 || window_height <= 0) return;
  const double left = std::round(x), top = std::round(y);
  const double right = left + width_ * scale, bottom = top + height_ * scale;
  const auto nx = [&](double v) { return static_cast<float>(2.0 * v / window_width - 1.0); };
  const auto ny = [&](double v) { return static_cast<float>(1.0 - 2.0 * v / window_height); };
  const GLint filter = std::abs(scale - std::round(scale)) < 1e-6 ? GL_NEAREST : GL_LINEAR;

  glViewport(0, 0, window_width, window_height);
  glUseProgram(program_->id());
  glBindVertexArray(vertex_array_);
  glUniform4f(u_dest_, nx(left), ny(top), nx(right), ny(bottom));
  glUniform1i(u_tex_, 0);
  glActiveTexture(GL_TEXTURE0);
  glEnable(GL_BLEND);

  glBindTexture(GL_TEXTURE_2D, blend_);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, filter);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, filter);
  glBlendFuncSeparate(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA, GL_ZERO, GL_ONE);
  glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);

  if (has_invert_) {
    // dst' = src * (1 - dst) + dst * (1 - src): white inverts, black leaves the screen as it is.
    glBindTexture(GL_TEXTURE_2D, invert_);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, filter);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, filter);
    glBlendFuncSeparate(GL_ONE_MINUS_DST_COLOR, GL_ONE_MINUS_SRC_COLOR, GL_ZERO, GL_ONE);
    glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
  }
  glDisable(GL_BLEND);
  glBindVertexArray(0);
}

}  // namespace kagami::client
