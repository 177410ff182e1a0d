#pragma once
// The latency marker: a small black-and-white block that carries a frame number and the
// CLOCK_MONOTONIC time (ns) the frame was made, so a viewer's screenshot says which frame it
// shows and how old it is. Survives any exact copy of the pixels; the cell size can be given
// to the decoder for an integer-scaled copy.
//
// Encoding (also in docs/agent.md): a grid of 16 x 10 cells of 8 x 8 pixels (128 x 80), its
// top-left corner at the block origin. A cell is white (R=G=B=255) for bit 1 and black
// (R=G=B=0) for bit 0, alpha 255. Bits run left to right, then top to bottom, 16 bits per
// row, each value most significant bit first:
//   row 0     sync word 0xB3C5
//   rows 1-4  frame number (u64)
//   rows 5-8  timestamp, CLOCK_MONOTONIC nanoseconds (u64)
//   row 9     check word: XOR of the four 16-bit words of each value, XOR 0x5A5A
// A decoder samples each cell's centre pixel, takes the mean of its first three bytes
// (so BGRA and RGBA read the same) and calls it 1 when >= 128.
#include <cstddef>
#include <cstdint>
#include <optional>

namespace kagami::capture {

struct LatencyMarker {
  std::uint64_t frame = 0;
  std::uint64_t timestamp_ns = 0;
  bool operator==(const LatencyMarker&) const = default;
};

inline constexpr std::uint32_t kMarkerCellSize = 8;
inline constexpr std::uint32_t kMarkerColumns = 16;
inline constexpr std::uint32_t kMarkerRows = 10;
inline constexpr std::uint32_t kMarkerWidth = kMarkerColumns * kMarkerCellSize;  // 128
inline constexpr std::uint32_t kMarkerHeight = kMarkerRows * kMarkerCellSize;    // 80
inline constexpr std::uint16_t kMarkerSync = 0xB3C5;

// The 32-bit pixel (as a little-endian u32: white 0xFFFFFFFF, black 0xFF000000) of the marker
// at (dx, dy) inside the block; dx < kMarkerWidth, dy < kMarkerHeight.
std::uint32_t latency_marker_pixel(const LatencyMarker& marker, std::uint32_t dx, std::uint32_t dy);

// Draws the whole block into a 32-bit image at (x0, y0); the caller makes sure it fits.
void draw_latency_marker(const LatencyMarker& marker, std::byte* image, std::size_t pitch, std::uint32_t x0,
                         std::uint32_t y0);

// Reads a marker from an image of `width` x `height` pixels of `bytes_per_pixel` (>= 3) bytes.
// nullopt when the block does not fit, or its sync or check word is wrong.
std::optional<LatencyMarker> decode_latency_marker(const std::byte* image, std::size_t pitch,
                                                   std::uint32_t bytes_per_pixel, std::uint32_t width,
                                                   std::uint32_t height, std::uint32_t x0, std::uint32_t y0,
                                                   std::uint32_t cell_size = kMarkerCellSize);

}  // namespace kagami::capture
