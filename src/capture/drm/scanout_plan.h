#pragma once
// How the drm backend reads a scanout framebuffer, decided from what drmModeGetFB2 describes
// (pure logic, unit-tested; the ioctls are in drm_backend.cpp):
//   map_linear  one plane in LINEAR layout (or no modifier at all: the legacy implicit layout
//               is linear for every driver that exports it): PRIME-export, mmap, copy rows.
//   gpu_import  a tiled or compressed layout (a vendor modifier, or extra planes such as a
//               compression control surface): only the GPU can untile it, so the planes are
//               PRIME-exported, imported with EGL (EGL_EXT_image_dma_buf_import_modifiers) and
//               read back by GL. Needs a build with EGL and a GPU driver that can import it.
//   unsupported why not, for the error message.
#include <cstdint>
#include <optional>
#include <string>

#include "capture/pixel_format.h"

namespace kagami::capture {

enum class ScanoutRead { map_linear, gpu_import, unsupported };

struct ScanoutDescription {
  std::uint32_t fourcc = 0;
  std::uint64_t modifier = 0;
  bool has_modifier = false;  // DRM_MODE_FB_MODIFIERS: `modifier` is meaningful
  std::uint32_t planes = 1;   // planes with a buffer handle
  std::uint32_t width = 0, height = 0;
  std::uint32_t pitch = 0, offset = 0;  // of plane 0
};

struct ScanoutPlan {
  ScanoutRead how = ScanoutRead::unsupported;
  SourceFormat source = SourceFormat::xrgb8888;  // map_linear: the layout of the mapped rows
  std::string reason;                            // unsupported: why
  // gpu_import always reads back BGRA, 8 bits a channel.
};

// `gpu_import_available`: this build can import through EGL (the static agent cannot).
ScanoutPlan plan_scanout(const ScanoutDescription& fb, bool gpu_import_available);

// "LINEAR", "INTEL Y_TILED_CCS", "AMD GFX9 64K_S …" (libdrm's names), or the hex value.
std::string modifier_name(std::uint64_t modifier);

}  // namespace kagami::capture
