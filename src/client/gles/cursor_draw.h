#pragma once
// Draws the guest cursor over the frame from the agent's shape and position: an alpha-blended
// pass, then an inverting pass (ONE_MINUS_DST_COLOR) for XOR pixels.
#include <GLES3/gl3.h>

#include <memory>

#include "client/cursor_image.h"
#include "client/gles/gl_program.h"

namespace kagami::client {

class CursorDraw {
 public:
  static Result<std::unique_ptr<CursorDraw>> create();
  ~CursorDraw();

  void set_image(const CursorImage& image);
  bool has_image() const { return width_ > 0; }
  // Draws the shape with its top-left corner at window pixel (x, y), `scale` window pixels per
  // cursor pixel; nearest filtering at whole scales.
  void draw(double x, double y, double scale, int window_width, int window_height);

 private:
  explicit CursorDraw(std::unique_ptr<GlProgram> program);
  std::unique_ptr<GlProgram> program_;
  GLuint vertex_array_ = 0;
  GLuint blend_ = 0, invert_ = 0;
  std::uint32_t width_ = 0, height_ = 0;
  bool has_invert_ = false;
  GLint u_dest_ = -1, u_tex_ = -1;
};

}  // namespace kagami::client
