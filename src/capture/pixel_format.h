#pragma once
// Source pixel layouts found in Linux framebuffers and DRM scanout buffers, and how each becomes
// a KVMFR frame type: 32-bit layouts KVMFR knows are copied as they are, the rest are converted
// to BGRA row by row. No OS header: the fb and drm backends map their own descriptions to these.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "protocol/kvmfr_layout.h"

namespace kagami::capture {

enum class SourceFormat {
  xrgb8888,      // u32 little endian, R bits 16-23, G 8-15, B 0-7 (bytes B,G,R,X): KVMFR BGRA as-is
  xbgr8888,      // u32, R bits 0-7, B 16-23 (bytes R,G,B,X): KVMFR RGBA as-is
  xbgr2101010,   // u32, R bits 0-9, G 10-19, B 20-29, A 30-31: KVMFR RGBA10 as-is
  rgb565,        // u16, R bits 11-15, G 5-10, B 0-4: converted to BGRA
  packed_bgr24,  // 3 bytes B,G,R per pixel (DRM RGB888, fbdev 24 bpp red at 16): converted to BGRA
  packed_rgb24,  // 3 bytes R,G,B per pixel (DRM BGR888, fbdev 24 bpp red at 0): converted to BGRA
};

struct SourceFormatInfo {
  std::uint32_t bytes_per_pixel = 0;
  protocol::FrameType frame_type = protocol::FrameType::bgra;  // what the published frame holds
  bool copy_as_is = false;  // rows are copied unchanged; else convert_row() to BGRA
  const char* name = "";
};

SourceFormatInfo source_format_info(SourceFormat format);

// A framebuffer's fb_var_screeninfo colour description: bits per pixel and each channel's
// bit offset and length. nullopt when it is none of the layouts above.
struct ChannelLayout {
  std::uint32_t bits_per_pixel = 0;
  std::uint32_t red_offset = 0, red_length = 0;
  std::uint32_t green_offset = 0, green_length = 0;
  std::uint32_t blue_offset = 0, blue_length = 0;
  bool operator==(const ChannelLayout&) const = default;
};
std::optional<SourceFormat> source_format_from_channels(const ChannelLayout& layout);
std::string describe(const ChannelLayout& layout);  // "16 bpp, R 11/5 G 5/6 B 0/5"

// Converts (or copies) `width` pixels of one row into BGRA (or the as-is type).
void convert_row(SourceFormat format, const std::byte* src, std::byte* dst, std::uint32_t width);

}  // namespace kagami::capture
