#pragma once
// The GL texture holding the guest image in its buffer format, and the copy of upload bands into
// it (glTexSubImage2D, GL_UNPACK_ROW_LENGTH for the pitch) from memory laid out as the frame is:
// a staging PBO bound to GL_PIXEL_UNPACK_BUFFER (the source is then an offset) or the mapped
// region itself (the direct path). Render thread only (it uses the GL context).
#include <GLES3/gl3.h>

#include <cstddef>
#include <cstdint>
#include <span>

#include "client/upload_plan.h"
#include "protocol/kvmfr_frame.h"

namespace kagami::client {

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

  // Copies the bands of `frame` from `source`: byte (y * pitch + x * texel bytes) of the frame's
  // pixel data is at source + that offset. `source` is a client pointer, or an offset into the
  // buffer bound to GL_PIXEL_UNPACK_BUFFER. Returns the texel bytes copied.
  std::uint64_t copy(const protocol::ValidatedFrame& frame, std::span<const UploadBand> bands,
                     std::uintptr_t source);

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
