#pragma once
// DRM fourcc codes of scanout buffers mapped to the source layouts capture knows.
#include <cstdint>
#include <optional>
#include <string>

#include "capture/pixel_format.h"

namespace kagami::capture {

// nullopt for formats capture cannot read (YUV, 16-bit float, tiled layouts are checked apart).
std::optional<SourceFormat> source_format_from_drm(std::uint32_t fourcc);
// "XR24" and the like; printable for error messages.
std::string fourcc_name(std::uint32_t fourcc);

}  // namespace kagami::capture
