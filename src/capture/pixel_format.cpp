#include "capture/pixel_format.h"

#include <fmt/format.h>

#include <cstring>

namespace kagami::capture {

SourceFormatInfo source_format_info(SourceFormat format) {
  using protocol::FrameType;
  switch (format) {
    case SourceFormat::xrgb8888:
      return {4, FrameType::bgra, true, "XRGB8888"};
    case SourceFormat::xbgr8888:
      return {4, FrameType::rgba, true, "XBGR8888"};
    case SourceFormat::xbgr2101010:
      return {4, FrameType::rgba10, true, "XBGR2101010"};
    case SourceFormat::rgb565:
      return {2, FrameType::bgra, false, "RGB565"};
    case SourceFormat::packed_bgr24:
      return {3, FrameType::bgra, false, "packed B,G,R (24 bpp)"};
    case SourceFormat::packed_rgb24:
      return {3, FrameType::bgra, false, "packed R,G,B (24 bpp)"};
  }
  return {};
}

std::optional<SourceFormat> source_format_from_channels(const ChannelLayout& l) {
  auto is = [&](std::uint32_t bpp, std::uint32_t ro, std::uint32_t rl, std::uint32_t go, std::uint32_t gl,
                std::uint32_t bo, std::uint32_t bl) {
    return l.bits_per_pixel == bpp && l.red_offset == ro && l.red_length == rl && l.green_offset == go &&
           l.green_length == gl && l.blue_offset == bo && l.blue_length == bl;
  };
  if (is(32, 16, 8, 8, 8, 0, 8)) return SourceFormat::xrgb8888;
  if (is(32, 0, 8, 8, 8, 16, 8)) return SourceFormat::xbgr8888;
  if (is(32, 0, 10, 10, 10, 20, 10)) return SourceFormat::xbgr2101010;
  if (is(16, 11, 5, 5, 6, 0, 5)) return SourceFormat::rgb565;
  if (is(24, 16, 8, 8, 8, 0, 8)) return SourceFormat::packed_bgr24;
  if (is(24, 0, 8, 8, 8, 16, 8)) return SourceFormat::packed_rgb24;
  return std::nullopt;
}

std::string describe(const ChannelLayout& l) {
  return fmt::format("{} bpp, R {}/{} G {}/{} B {}/{}", l.bits_per_pixel, l.red_offset, l.red_length,
                     l.green_offset, l.green_length, l.blue_offset, l.blue_length);
}

namespace {

// Expands an n-bit channel to 8 bits so that full scale stays full scale (0x1f -> 0xff).
constexpr std::uint8_t expand(std::uint32_t value, std::uint32_t bits) {
  return static_cast<std::uint8_t>((value << (8 - bits)) | (value >> (2 * bits - 8)));
}

}  // namespace

void convert_row(SourceFormat format, const std::byte* src, std::byte* dst, std::uint32_t width) {
  const auto* s = reinterpret_cast<const std::uint8_t*>(src);
  auto* d = reinterpret_cast<std::uint8_t*>(dst);
  switch (format) {
    case SourceFormat::xrgb8888:
    case SourceFormat::xbgr8888:
    case SourceFormat::xbgr2101010:
      std::memcpy(d, s, std::size_t{width} * 4);
      return;
    case SourceFormat::rgb565:
      for (std::uint32_t x = 0; x < width; ++x, s += 2, d += 4) {
        const std::uint32_t v = s[0] | (std::uint32_t{s[1]} << 8);
        d[0] = expand(v & 0x1f, 5);
        d[1] = expand((v >> 5) & 0x3f, 6);
        d[2] = expand(v >> 11, 5);
        d[3] = 0xff;
      }
      return;
    case SourceFormat::packed_bgr24:
      for (std::uint32_t x = 0; x < width; ++x, s += 3, d += 4) {
        d[0] = s[0];
        d[1] = s[1];
        d[2] = s[2];
        d[3] = 0xff;
      }
      return;
    case SourceFormat::packed_rgb24:
      for (std::uint32_t x = 0; x < width; ++x, s += 3, d += 4) {
        d[0] = s[2];
        d[1] = s[1];
        d[2] = s[0];
        d[3] = 0xff;
      }
      return;
  }
}

}  // namespace kagami::capture
