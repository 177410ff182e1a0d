#pragma once
// The GL texture holding the guest image in its buffer format, and the upload into it straight
// from the mapped region (glTexSubImage2D from the shm pointer, GL_UNPACK_ROW_LENGTH for the
// pitch): no copy in client memory. The GL copies the bytes before glTexSubImage2D returns, so
// the frame message can be released right after upload().
#include <GLES3/gl3.h>

#include <cstddef>
#include <cstdint>
#include <functional>

#include "protocol/kvmfr_frame.h"

namespace kagami::client {

// Blocks until at least `bytes` pixel bytes are written; false when the agent stalled.
using WaitReady = std::function<bool(std::uint64_t bytes)>;

struct UploadStats {
  std::uint64_t bytes = 0;  // pixel bytes handed to the GL
  bool stalled = false;  // the write pointer stopped short; what was there was uploaded
};

// GL formats of a frame type (reference §4).
struct TexelFormat {
  GLint internal_format = 0;
  GLenum format = 0;
  GLenum type = 0;
  std::uint32_t bytes = 0;  // per texel
};
TexelFormat texel_format(protocol::FrameType type);

class FrameTexture {
 public:
  FrameTexture() = default;
  ~FrameTexture();
  FrameTexture(const FrameTexture&) = delete;
  FrameTexture& operator=(const FrameTexture&) = delete;

  // Makes the texture fit the frame's type and sizes. Returns true when it was (re)created:
  // the contents are then black and the next upload must be full.
  bool configure(const protocol::ValidatedFrame& frame);

  // Uploads the damaged rects (or everything), each band once the write pointer has passed it.
  UploadStats upload(const protocol::ValidatedFrame& frame, const std::byte* pixels, bool full,
                     const WaitReady& wait_ready);

  // Deletes the texture (valid() becomes false).
  void release();

  GLuint id() const { return texture_; }
  // A framebuffer with the texture attached (for glBlitFramebuffer and clearing).
  GLuint framebuffer() const { return framebuffer_; }
  bool valid() const { return texture_ != 0; }
  std::uint32_t width() const { return width_; }    // texels
  std::uint32_t height() const { return height_; }  // rows

 private:
  GLuint texture_ = 0;
  GLuint framebuffer_ = 0;
  protocol::FrameType type_ = protocol::FrameType::invalid;
  std::uint32_t data_width_ = 0, data_height_ = 0, frame_width_ = 0, frame_height_ = 0;
  std::uint32_t width_ = 0, height_ = 0;
};

}  // namespace kagami::client
