#pragma once
// Draws the guest image: keeps the frame texture, uploads frames into it, and draws it into the
// layout's rectangle with rotation, filtering and tone mapping.
#include <cstdint>
#include <map>
#include <memory>
#include <tuple>

#include "client/frame_texture.h"
#include "client/gl_program.h"
#include "client/layout.h"
#include "protocol/kvmfr_frame.h"

namespace kagami::client {

// The geometry of the frame on screen, shared with the cursor: guest desktop pixels -> window.
struct FrameGeometry {
  std::uint32_t frame_width = 0, frame_height = 0;    // buffer orientation
  std::uint32_t screen_width = 0, screen_height = 0;  // guest desktop (cursor coordinates)
  protocol::FrameRotation rotation = protocol::FrameRotation::r0;
  // Displayed (rotated) size.
  std::uint32_t image_width() const;
  std::uint32_t image_height() const;
};

// Window pixel of a guest desktop point, for this geometry and layout.
void guest_to_window(const FrameGeometry& g, const Layout& layout, double gx, double gy, double& wx,
                     double& wy);
// The inverse: the guest desktop point under a window pixel; false outside the image.
bool window_to_guest(const FrameGeometry& g, const Layout& layout, double wx, double wy, double& gx,
                     double& gy);

class FrameRenderer {
 public:
  static Result<std::unique_ptr<FrameRenderer>> create();
  ~FrameRenderer();

  // Uploads a validated frame. The texture is re-created when the format or size changes, and
  // then (or when `full` is set, e.g. after frames were missed) everything is uploaded.
  UploadStats upload(const protocol::ValidatedFrame& frame, const std::byte* pixels, bool full,
                     const WaitReady& wait_ready);
  bool has_frame() const { return texture_.valid(); }
  const FrameGeometry& geometry() const { return geometry_; }
  // Forget the image (shows black until the next frame).
  void reset();
  // The user's rotation (quarter turns clockwise) on top of the frame's own; takes effect at once.
  void set_user_rotation(int quarter_turns);

  // Draws into the current framebuffer (window_width x window_height drawable pixels).
  void draw(const Layout& layout, int window_width, int window_height);

 private:
  // One program per (frame type, filter, transfer), built on first use.
  struct Program {
    std::unique_ptr<GlProgram> gl;
    GLint dest, rotation, frame_size, tex, tex_size, frame_px, footprint;
  };
  using ProgramKey = std::tuple<int, int, int>;
  FrameRenderer() = default;
  const Program* program(protocol::FrameType type, FilterMode filter, int transfer);

  std::map<ProgramKey, Program> programs_;
  GLuint vertex_array_ = 0;
  FrameTexture texture_;
  FrameGeometry geometry_;
  protocol::FrameRotation frame_rotation_ = protocol::FrameRotation::r0;  // as the agent sent it
  int user_rotation_ = 0;
  protocol::FrameType type_ = protocol::FrameType::invalid;
  std::uint32_t flags_ = 0;
};

}  // namespace kagami::client
