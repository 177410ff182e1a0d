#include "capture/drm/scanout_plan.h"

#include <drm_fourcc.h>
#include <fmt/format.h>
#include <xf86drm.h>

#include <cstdlib>

#include "capture/drm/drm_formats.h"

namespace kagami::capture {

namespace {

bool linear(const ScanoutDescription& fb) {
  return !fb.has_modifier || fb.modifier == DRM_FORMAT_MOD_LINEAR || fb.modifier == DRM_FORMAT_MOD_INVALID;
}

// The 32-bit RGB scanout formats, which GL reads back as BGRA after an import (10-bit ones at
// 8 bits a channel).
bool gpu_readable(std::uint32_t fourcc) {
  switch (fourcc) {
    case DRM_FORMAT_XRGB8888:
    case DRM_FORMAT_ARGB8888:
    case DRM_FORMAT_XBGR8888:
    case DRM_FORMAT_ABGR8888:
    case DRM_FORMAT_XRGB2101010:
    case DRM_FORMAT_ARGB2101010:
    case DRM_FORMAT_XBGR2101010:
    case DRM_FORMAT_ABGR2101010:
      return true;
    default:
      return false;
  }
}

}  // namespace

std::string modifier_name(std::uint64_t modifier) {
  if (modifier == DRM_FORMAT_MOD_LINEAR) return "LINEAR";
  if (modifier == DRM_FORMAT_MOD_INVALID) return "INVALID";
  std::string out;
  char* vendor = drmGetFormatModifierVendor(modifier);
  char* name = drmGetFormatModifierName(modifier);
  if (vendor && name) out = fmt::format("{} {}", vendor, name);
  std::free(vendor);
  std::free(name);
  return out.empty() ? fmt::format("{:#018x}", modifier) : fmt::format("{} ({:#018x})", out, modifier);
}

ScanoutPlan plan_scanout(const ScanoutDescription& fb, bool gpu_import_available) {
  ScanoutPlan plan;
  const std::string what =
      fmt::format("{} {}x{}, modifier {}, {} plane{}", fourcc_name(fb.fourcc), fb.width, fb.height,
                  modifier_name(fb.has_modifier ? fb.modifier : DRM_FORMAT_MOD_LINEAR), fb.planes,
                  fb.planes == 1 ? "" : "s");
  if (fb.width == 0 || fb.height == 0 || fb.width > 16384 || fb.height > 16384) {
    plan.reason = fmt::format("implausible framebuffer size ({})", what);
    return plan;
  }
  if (linear(fb) && fb.planes == 1) {
    const auto source = source_format_from_drm(fb.fourcc);
    if (!source) {
      plan.reason = fmt::format("unsupported scanout format {}", what);
      return plan;
    }
    const std::uint64_t row = std::uint64_t{fb.width} * source_format_info(*source).bytes_per_pixel;
    if (fb.pitch < row) {
      plan.reason = fmt::format("pitch {} is shorter than a row ({} bytes) of {}", fb.pitch, row, what);
      return plan;
    }
    plan.how = ScanoutRead::map_linear;
    plan.source = *source;
    return plan;
  }
  // Tiled or compressed: the GPU has to read it.
  if (!gpu_readable(fb.fourcc)) {
    plan.reason = fmt::format(
        "the scanout buffer is tiled or compressed ({}) in a format kagami cannot read back", what);
    return plan;
  }
  if (!gpu_import_available) {
    plan.reason = fmt::format(
        "the scanout buffer is tiled or compressed ({}); reading it needs the GPU (EGL dma-buf import), "
        "which "
        "this build of kagami-agent does not have: use the full kagami-agent, or --capture wlr/x11 on a "
        "desktop",
        what);
    return plan;
  }
  plan.how = ScanoutRead::gpu_import;
  return plan;
}

}  // namespace kagami::capture
