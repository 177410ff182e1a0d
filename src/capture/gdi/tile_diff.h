#pragma once
// Damage for backends that only see whole screens (GDI): compare the new capture with the last
// one in square tiles and return the changed area as a few rectangles. Pure, no OS headers.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "capture/capture.h"

namespace kagami::capture {

struct ImageView {
  const std::byte* pixels = nullptr;  // row r at r * pitch
  std::uint32_t width = 0, height = 0, pitch = 0, bytes_per_pixel = 4;
};

// Changed tiles of `tile` x `tile` pixels (clipped at the edges), merged into runs along each
// tile row and then stacked where runs of consecutive rows line up. Empty when nothing changed.
// Both images must have the same width, height and bytes per pixel.
std::vector<Rect> diff_tiles(const ImageView& before, const ImageView& after, std::uint32_t tile = 64);

}  // namespace kagami::capture
