#pragma once
// Turns the agent's cursor shape into two RGBA images the GPU can draw: one alpha-blended over
// the frame, one that inverts (XOR) what is under it. Pure; the shape was validated by the
// protocol layer and is checked again here against its own bytes.
#include <cstdint>
#include <vector>

#include "common/result.h"
#include "protocol/kvmfr_cursor.h"

namespace kagami::client {

struct CursorImage {
  std::uint32_t width = 0, height = 0;  // visible pixels (MONOCHROME: half the wire height)
  std::vector<std::uint8_t> blend;      // RGBA, straight alpha
  std::vector<std::uint8_t> invert;     // RGBA: white inverts the screen, black leaves it
  bool has_invert = false;
};

// COLOR: BGRA, blended. MASKED_COLOR: alpha byte != 0 means XOR the RGB with the screen, else
// opaque. MONOCHROME: AND rows then XOR rows, 1 bit per pixel, MSB first: (and, xor) = (0,0)
// black, (0,1) white, (1,0) transparent, (1,1) invert.
Result<CursorImage> make_cursor_image(const protocol::CursorShape& shape);

}  // namespace kagami::client
