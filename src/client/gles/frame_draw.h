#pragma once
// Draws the guest image from the frame texture into the layout's rectangle with rotation,
// filtering and tone mapping (GLES 3). Render thread.
#include <cstdint>
#include <map>
#include <memory>
#include <tuple>

#include "client/gles/frame_texture.h"
#include "client/gles/gl_program.h"
#include "client/layout.h"
#include "client/renderer.h"
#include "protocol/kvmfr_frame.h"

namespace kagami::client {

class FrameDraw {
 public:
  static Result<std::unique_ptr<FrameDraw>> create();
  ~FrameDraw();

  // Draws `texture` (holding a frame of this geometry, type and flags) into the current
  // framebuffer (window_width x window_height drawable pixels).
  void draw(const FrameTexture& texture, const FrameGeometry& geometry, protocol::FrameType type,
            std::uint32_t flags, const Layout& layout, int window_width, int window_height);

 private:
  // One program per (frame type, filter, transfer), built on first use.
  struct Program {
    std::unique_ptr<GlProgram> gl;
    GLint dest, rotation, frame_size, tex, tex_size, frame_px, footprint;
  };
  using ProgramKey = std::tuple<int, int, int>;
  FrameDraw() = default;
  const Program* program(protocol::FrameType type, FilterMode filter, int transfer);

  std::map<ProgramKey, Program> programs_;
  GLuint vertex_array_ = 0;
};

}  // namespace kagami::client
