#pragma once
// Reading a scanout buffer the CPU cannot (tiled or compressed) through the GPU. The drm backend
// PRIME-exports the framebuffer's planes and hands them to a GpuReader; the EGL implementation
// (drm/egl_reader.h, library kagami_capture_drm_egl) imports them as an EGLImage with their
// modifier and reads the pixels back with GL. The static agent links no EGL and has none.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "common/result.h"

namespace kagami::capture {

struct DmabufPlane {
  int fd = -1;  // owned by the caller
  std::uint32_t offset = 0, pitch = 0;
};

struct DmabufImage {
  std::uint32_t key = 0;  // the framebuffer id: imports are cached per key (page flips)
  std::uint32_t fourcc = 0;
  std::uint64_t modifier = 0;
  bool has_modifier = false;
  std::uint32_t width = 0, height = 0;
  std::vector<DmabufPlane> planes;
};

class GpuReader {
 public:
  virtual ~GpuReader() = default;
  // The whole image as BGRA (8 bits a channel), `pitch` bytes a row, into `out`.
  virtual Result<void> read(const DmabufImage& image, std::byte* out, std::uint32_t pitch) = 0;
  // The framebuffer `key` is gone: drop its import.
  virtual void forget(std::uint32_t key) = 0;
};

// Makes a reader for the DRM device `drm_fd` (not owned), or says why it cannot.
using GpuReaderFactory = std::function<Result<std::unique_ptr<GpuReader>>(int drm_fd)>;

}  // namespace kagami::capture
