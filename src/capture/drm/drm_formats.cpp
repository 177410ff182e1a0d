#include "capture/drm/drm_formats.h"

#include <drm_fourcc.h>

namespace kagami::capture {

std::optional<SourceFormat> source_format_from_drm(std::uint32_t fourcc) {
  switch (fourcc) {
    case DRM_FORMAT_XRGB8888:
    case DRM_FORMAT_ARGB8888:
      return SourceFormat::xrgb8888;
    case DRM_FORMAT_XBGR8888:
    case DRM_FORMAT_ABGR8888:
      return SourceFormat::xbgr8888;
    case DRM_FORMAT_XBGR2101010:
    case DRM_FORMAT_ABGR2101010:
      return SourceFormat::xbgr2101010;
    case DRM_FORMAT_RGB565:
      return SourceFormat::rgb565;
    case DRM_FORMAT_RGB888:
      return SourceFormat::packed_bgr24;  // [23:0] R:G:B little endian
    case DRM_FORMAT_BGR888:
      return SourceFormat::packed_rgb24;
    default:
      return std::nullopt;
  }
}

std::string fourcc_name(std::uint32_t fourcc) {
  std::string name;
  for (int i = 0; i < 4; ++i) {
    const char c = static_cast<char>((fourcc >> (8 * i)) & 0xff);
    name += (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  return name;
}

}  // namespace kagami::capture
