#pragma once
// Turning a Windows cursor's bitmaps (GetIconInfo + GetDIBits, read top-down) into a KVMFR cursor
// shape. Pure, no OS headers, so it is unit-tested natively.
//
//   color bitmap with alpha       -> COLOR (BGRA, alpha-blended)
//   color bitmap without alpha    -> MASKED_COLOR (alpha = 0xFF where the AND mask is set: XOR)
//   no color bitmap (monochrome)  -> MONOCHROME (AND rows then XOR rows, 1 bpp, MSB first)
#include <cstdint>
#include <optional>
#include <span>

#include "common/result.h"
#include "protocol/kvmfr_cursor.h"

namespace kagami::capture {

struct CursorBitmaps {
  std::uint32_t width = 0;
  std::uint32_t height = 0;  // visible height
  std::uint32_t hotspot_x = 0, hotspot_y = 0;
  // 32-bit BGRA, width * 4 bytes a row, `height` rows; empty for a monochrome cursor.
  std::span<const std::uint8_t> color;
  // 1 bpp, MSB first, `mask_pitch` bytes a row: `height` rows (color cursors) or 2 * `height`
  // rows, AND then XOR (monochrome cursors).
  std::span<const std::uint8_t> mask;
  std::uint32_t mask_pitch = 0;
};

// Errors say what is wrong (too large for KVMFR, buffers shorter than the sizes claim).
Result<protocol::CursorShape> cursor_shape_from_bitmaps(const CursorBitmaps& bitmaps);

}  // namespace kagami::capture
