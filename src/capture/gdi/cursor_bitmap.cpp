#include "capture/gdi/cursor_bitmap.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "protocol/kvmfr_layout.h"

namespace kagami::capture {
namespace {

std::int8_t clamp_hotspot(std::uint32_t value) {
  return static_cast<std::int8_t>(std::min<std::uint32_t>(value, 127));
}

bool mask_bit(std::span<const std::uint8_t> mask, std::uint32_t pitch, std::uint32_t x, std::uint32_t y) {
  return (mask[std::size_t{y} * pitch + x / 8] >> (7 - x % 8)) & 1;
}

}  // namespace

Result<protocol::CursorShape> cursor_shape_from_bitmaps(const CursorBitmaps& in) {
  const bool monochrome = in.color.empty();
  if (in.width == 0 || in.height == 0 || in.width > 512 || in.height > 512) {
    return Error{"cursor of " + std::to_string(in.width) + "x" + std::to_string(in.height) +
                 " pixels: KVMFR carries cursors of 1x1 to 512x512"};
  }
  const std::uint32_t mask_rows = monochrome ? 2 * in.height : in.height;
  if (in.mask_pitch < (in.width + 7) / 8 || in.mask.size() < std::size_t{mask_rows} * in.mask_pitch) {
    return Error{"cursor mask is shorter than its " + std::to_string(in.width) + "x" +
                 std::to_string(mask_rows) + " pixels"};
  }
  protocol::CursorShape shape;
  shape.width = in.width;
  shape.hotspot_x = clamp_hotspot(in.hotspot_x);
  shape.hotspot_y = clamp_hotspot(in.hotspot_y);

  if (monochrome) {
    shape.type = protocol::CursorType::monochrome;
    shape.height = mask_rows;
    shape.pitch = (in.width + 7) / 8;
    shape.data.resize(std::size_t{shape.height} * shape.pitch);
    for (std::uint32_t y = 0; y < mask_rows; ++y) {
      std::memcpy(&shape.data[std::size_t{y} * shape.pitch], &in.mask[std::size_t{y} * in.mask_pitch],
                  shape.pitch);
    }
    return shape;
  }

  if (in.color.size() < std::size_t{in.width} * 4 * in.height) {
    return Error{"cursor color bitmap is shorter than its " + std::to_string(in.width) + "x" +
                 std::to_string(in.height) + " pixels"};
  }
  shape.height = in.height;
  shape.pitch = in.width * 4;
  shape.data.assign(in.color.begin(), in.color.begin() + std::size_t{shape.pitch} * shape.height);
  bool has_alpha = false;
  for (std::size_t i = 3; i < shape.data.size(); i += 4) has_alpha |= shape.data[i] != 0;
  if (has_alpha) {
    shape.type = protocol::CursorType::color;
    return shape;
  }
  // No alpha: the classic AND/XOR cursor. Where the AND bit is set the color is XORed onto the
  // screen, elsewhere it replaces it: exactly MASKED_COLOR's alpha flag.
  shape.type = protocol::CursorType::masked_color;
  for (std::uint32_t y = 0; y < in.height; ++y) {
    for (std::uint32_t x = 0; x < in.width; ++x) {
      shape.data[std::size_t{y} * shape.pitch + std::size_t{x} * 4 + 3] =
          mask_bit(in.mask, in.mask_pitch, x, y) ? 0xFF : 0;
    }
  }
  return shape;
}

}  // namespace kagami::capture
