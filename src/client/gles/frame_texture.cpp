#include "client/gles/frame_texture.h"

#include <GLES2/gl2ext.h>

#include <algorithm>
#include <vector>

namespace kagami::client {

using protocol::FrameType;

TexelFormat texel_format(FrameType type) {
  switch (type) {
    // BGRA stays BGRA (EXT_texture_format_BGRA8888, in every Mesa driver): the window's own
    // format, so drawing it is a plain copy for a software rasteriser.
    case FrameType::bgra:
      return {GL_BGRA_EXT, GL_BGRA_EXT, GL_UNSIGNED_BYTE, 4};
    case FrameType::rgba:
      return {GL_RGBA8, GL_RGBA, GL_UNSIGNED_BYTE, 4};
    // R in the low 10 bits of a little-endian u32: exactly GL's 2_10_10_10_REV layout.
    case FrameType::rgba10:
      return {GL_RGB10_A2, GL_RGBA, GL_UNSIGNED_INT_2_10_10_10_REV, 4};
    case FrameType::rgba16f:
      return {GL_RGBA16F, GL_RGBA, GL_HALF_FLOAT, 8};
    // Packed B,G,R bytes in 4-byte texels: stored as they are, unpacked in the shader.
    case FrameType::bgr_32:
      return {GL_RGBA8, GL_RGBA, GL_UNSIGNED_BYTE, 4};
    case FrameType::rgb_24:
      return {GL_RGB8, GL_RGB, GL_UNSIGNED_BYTE, 3};
    default:
      return {};
  }
}

FrameTexture::~FrameTexture() { release(); }

void FrameTexture::release() {
  if (framebuffer_) glDeleteFramebuffers(1, &framebuffer_);
  if (texture_) glDeleteTextures(1, &texture_);
  framebuffer_ = 0;
  texture_ = 0;
  type_ = FrameType::invalid;
}

bool FrameTexture::configure(const protocol::ValidatedFrame& f) {
  if (texture_ && f.type == type_ && f.data_width == data_width_ && f.data_height == data_height_ &&
      f.frame_width == frame_width_ && f.frame_height == frame_height_) {
    return false;
  }
  const TexelFormat tf = texel_format(f.type);
  // At least the frame's size, so that rows the agent did not send (a truncated frame) and the
  // texels past a short BGR_32 row read as black instead of outside the texture.
  std::uint32_t width = std::max(f.data_width, f.frame_width);
  if (f.type == FrameType::bgr_32) width = std::max<std::uint32_t>(f.data_width, (f.frame_width * 3 + 3) / 4);
  const std::uint32_t height = std::max(f.data_height, f.frame_height);

  release();
  glGenTextures(1, &texture_);
  glBindTexture(GL_TEXTURE_2D, texture_);
  if (f.type == FrameType::bgra) {
    // EXT_texture_format_BGRA8888 has no sized format for glTexStorage2D.
    glTexImage2D(GL_TEXTURE_2D, 0, tf.internal_format, static_cast<GLsizei>(width),
                 static_cast<GLsizei>(height), 0, tf.format, tf.type, nullptr);
  } else {
    glTexStorage2D(GL_TEXTURE_2D, 1, static_cast<GLenum>(tf.internal_format), static_cast<GLsizei>(width),
                   static_cast<GLsizei>(height));
  }
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);

  // The storage starts undefined: clear it once through a framebuffer (no client buffer), which
  // is kept for blitting the image to the window.
  glGenFramebuffers(1, &framebuffer_);
  glBindFramebuffer(GL_FRAMEBUFFER, framebuffer_);
  glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, texture_, 0);
  if (glCheckFramebufferStatus(GL_FRAMEBUFFER) == GL_FRAMEBUFFER_COMPLETE) {
    glViewport(0, 0, static_cast<GLsizei>(width), static_cast<GLsizei>(height));
    glClearColor(0, 0, 0, 1);
    glClear(GL_COLOR_BUFFER_BIT);
  } else {
    glDeleteFramebuffers(1, &framebuffer_);
    framebuffer_ = 0;
  }
  glBindFramebuffer(GL_FRAMEBUFFER, 0);

  type_ = f.type;
  data_width_ = f.data_width;
  data_height_ = f.data_height;
  frame_width_ = f.frame_width;
  frame_height_ = f.frame_height;
  width_ = width;
  height_ = height;
  return true;
}

std::uint64_t FrameTexture::copy(const protocol::ValidatedFrame& f, std::span<const UploadBand> bands,
                                 std::uintptr_t source) {
  const TexelFormat tf = texel_format(f.type);
  if (!texture_ || tf.bytes == 0) return 0;
  glBindTexture(GL_TEXTURE_2D, texture_);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
  glPixelStorei(GL_UNPACK_SKIP_PIXELS, 0);
  glPixelStorei(GL_UNPACK_SKIP_ROWS, 0);
  // A pitch that is not a whole number of texels cannot be a row length: upload row by row.
  const bool whole_rows = f.pitch % tf.bytes == 0;
  glPixelStorei(GL_UNPACK_ROW_LENGTH, whole_rows ? static_cast<GLint>(f.pitch / tf.bytes) : 0);
  std::uint64_t bytes = 0;
  for (const UploadBand& band : bands) {
    const std::uintptr_t first = source + std::uint64_t{band.y} * f.pitch + std::uint64_t{band.x} * tf.bytes;
    if (whole_rows) {
      glTexSubImage2D(GL_TEXTURE_2D, 0, static_cast<GLint>(band.x), static_cast<GLint>(band.y),
                      static_cast<GLsizei>(band.width), static_cast<GLsizei>(band.height), tf.format, tf.type,
                      reinterpret_cast<const void*>(first));
    } else {
      for (std::uint32_t row = 0; row < band.height; ++row) {
        glTexSubImage2D(GL_TEXTURE_2D, 0, static_cast<GLint>(band.x), static_cast<GLint>(band.y + row),
                        static_cast<GLsizei>(band.width), 1, tf.format, tf.type,
                        reinterpret_cast<const void*>(first + std::uint64_t{row} * f.pitch));
      }
    }
    bytes += std::uint64_t{band.width} * band.height * tf.bytes;
  }
  glPixelStorei(GL_UNPACK_ROW_LENGTH, 0);
  return bytes;
}

}  // namespace kagami::client
