#pragma once
// Rectangle arithmetic shared by the backends and the agent's damage tracking.
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "capture/capture.h"

namespace kagami::capture {

// The part of `r` inside a width x height frame (width or height 0 when outside).
Rect clip(const Rect& r, std::uint32_t width, std::uint32_t height);
Rect bounding_box(const Rect& a, const Rect& b);
bool intersects(const Rect& a, const Rect& b);
bool contains(const Rect& outer, const Rect& inner);
std::uint64_t area(const Rect& r);

// Adds `r` to `rects`, dropping it when an existing rect contains it, and dropping existing
// rects it contains. Empty rects are ignored.
void add_rect(std::vector<Rect>& rects, const Rect& r);

// Reduces `rects` to at most `max_rects` by repeatedly merging the pair whose bounding box adds
// the least area. The result still covers every pixel of the input.
void merge_to_limit(std::vector<Rect>& rects, std::size_t max_rects);

// Full-width row bands [y, y+height) covering `rects`, sorted and non-overlapping (adjacent
// bands are joined). For backends that copy whole rows (MIT-SHM, contiguous memory).
struct RowBand {
  std::uint32_t y = 0, height = 0;
};
std::vector<RowBand> row_bands(std::span<const Rect> rects, std::uint32_t frame_height);

// What read_pixels copies: the damage rects (none = the whole width x height frame), clipped to
// the `rows` a frame slot holds, empty ones dropped.
std::vector<Rect> rects_to_copy(std::span<const Rect> rects, std::uint32_t width, std::uint32_t height,
                                std::uint32_t rows);

// Copies rects in order of their top row and reports progress the way the write pointer needs it:
// after each rect, every row above the next rect's top is final (`copy` is called per rect,
// `progress` with a byte count = rows * pitch, increasing). The last call reports rows_total.
void copy_rects_in_order(std::vector<Rect> rects, std::uint32_t pitch, std::uint32_t rows_total,
                         const std::function<void(const Rect&)>& copy,
                         const std::function<void(std::uint64_t)>& progress);

}  // namespace kagami::capture
