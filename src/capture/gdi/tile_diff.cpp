#include "capture/gdi/tile_diff.h"

#include <algorithm>
#include <cassert>
#include <cstring>

namespace kagami::capture {
namespace {

bool tile_changed(const ImageView& a, const ImageView& b, std::uint32_t x, std::uint32_t y, std::uint32_t w,
                  std::uint32_t h) {
  const std::size_t offset_x = std::size_t{x} * a.bytes_per_pixel;
  const std::size_t row_bytes = std::size_t{w} * a.bytes_per_pixel;
  for (std::uint32_t row = y; row < y + h; ++row) {
    if (std::memcmp(a.pixels + std::size_t{row} * a.pitch + offset_x,
                    b.pixels + std::size_t{row} * b.pitch + offset_x, row_bytes) != 0) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::vector<Rect> diff_tiles(const ImageView& before, const ImageView& after, std::uint32_t tile) {
  assert(before.width == after.width && before.height == after.height && tile > 0);
  std::vector<Rect> done;     // rects that can no longer grow downwards
  std::vector<Rect> growing;  // runs of the previous tile row, may extend into this one
  for (std::uint32_t y = 0; y < after.height; y += tile) {
    const std::uint32_t h = std::min(tile, after.height - y);
    std::vector<Rect> runs;
    for (std::uint32_t x = 0; x < after.width; x += tile) {
      const std::uint32_t w = std::min(tile, after.width - x);
      if (!tile_changed(before, after, x, y, w, h)) continue;
      if (!runs.empty() && runs.back().x + runs.back().width == x) {
        runs.back().width += w;
      } else {
        runs.push_back({x, y, w, h});
      }
    }
    // A run directly below a growing rect of the same span extends it; the rest are finished.
    std::vector<Rect> next;
    for (Rect run : runs) {
      auto above = std::find_if(growing.begin(), growing.end(),
                                [&](const Rect& r) { return r.x == run.x && r.width == run.width; });
      if (above != growing.end()) {
        run = {above->x, above->y, above->width, above->height + h};
        growing.erase(above);
      }
      next.push_back(run);
    }
    done.insert(done.end(), growing.begin(), growing.end());
    growing = std::move(next);
  }
  done.insert(done.end(), growing.begin(), growing.end());
  return done;
}

}  // namespace kagami::capture
