#include "capture/rects.h"

#include <algorithm>
#include <limits>

namespace kagami::capture {

Rect clip(const Rect& r, std::uint32_t width, std::uint32_t height) {
  if (r.x >= width || r.y >= height) return Rect{};
  const std::uint32_t w = std::min(r.width, width - r.x);
  const std::uint32_t h = std::min(r.height, height - r.y);
  if (w == 0 || h == 0) return Rect{};
  return Rect{r.x, r.y, w, h};
}

Rect bounding_box(const Rect& a, const Rect& b) {
  const std::uint32_t x0 = std::min(a.x, b.x), y0 = std::min(a.y, b.y);
  const std::uint32_t x1 = std::max(a.x + a.width, b.x + b.width);
  const std::uint32_t y1 = std::max(a.y + a.height, b.y + b.height);
  return Rect{x0, y0, x1 - x0, y1 - y0};
}

bool intersects(const Rect& a, const Rect& b) {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

bool contains(const Rect& outer, const Rect& inner) {
  return inner.x >= outer.x && inner.y >= outer.y && inner.x + inner.width <= outer.x + outer.width &&
         inner.y + inner.height <= outer.y + outer.height;
}

std::uint64_t area(const Rect& r) { return std::uint64_t{r.width} * r.height; }

void add_rect(std::vector<Rect>& rects, const Rect& r) {
  if (r.width == 0 || r.height == 0) return;
  for (const Rect& existing : rects) {
    if (contains(existing, r)) return;
  }
  std::erase_if(rects, [&](const Rect& existing) { return contains(r, existing); });
  rects.push_back(r);
}

void merge_to_limit(std::vector<Rect>& rects, std::size_t max_rects) {
  // Quadratic per merge, but only runs when there are more than max_rects (64) rects, and the
  // backends hand over at most a few hundred.
  while (rects.size() > max_rects && rects.size() > 1) {
    std::size_t best_i = 0, best_j = 1;
    std::uint64_t best_cost = std::numeric_limits<std::uint64_t>::max();
    for (std::size_t i = 0; i < rects.size(); ++i) {
      for (std::size_t j = i + 1; j < rects.size(); ++j) {
        const std::uint64_t merged = area(bounding_box(rects[i], rects[j]));
        const std::uint64_t parts = area(rects[i]) + area(rects[j]);
        const std::uint64_t cost = merged > parts ? merged - parts : 0;
        if (cost < best_cost) {
          best_cost = cost;
          best_i = i;
          best_j = j;
        }
      }
    }
    const Rect merged = bounding_box(rects[best_i], rects[best_j]);
    rects.erase(rects.begin() + static_cast<std::ptrdiff_t>(best_j));
    rects.erase(rects.begin() + static_cast<std::ptrdiff_t>(best_i));
    add_rect(rects, merged);
  }
}

std::vector<RowBand> row_bands(std::span<const Rect> rects, std::uint32_t frame_height) {
  std::vector<RowBand> spans;
  for (const Rect& r : rects) {
    if (r.width == 0 || r.height == 0 || r.y >= frame_height) continue;
    spans.push_back({r.y, std::min(r.height, frame_height - r.y)});
  }
  std::sort(spans.begin(), spans.end(), [](const RowBand& a, const RowBand& b) { return a.y < b.y; });
  std::vector<RowBand> bands;
  for (const RowBand& s : spans) {
    if (!bands.empty() && s.y <= bands.back().y + bands.back().height) {
      RowBand& last = bands.back();
      last.height = std::max(last.y + last.height, s.y + s.height) - last.y;
    } else {
      bands.push_back(s);
    }
  }
  return bands;
}

std::vector<Rect> rects_to_copy(std::span<const Rect> rects, std::uint32_t width, std::uint32_t height,
                                std::uint32_t rows) {
  std::vector<Rect> todo(rects.begin(), rects.end());
  if (todo.empty()) todo.push_back(Rect{0, 0, width, height});
  for (Rect& r : todo) r = clip(r, width, rows);
  std::erase_if(todo, [](const Rect& r) { return r.width == 0; });  // clip empties both sizes
  return todo;
}

void copy_rects_in_order(std::vector<Rect> rects, std::uint32_t pitch, std::uint32_t rows_total,
                         const std::function<void(const Rect&)>& copy,
                         const std::function<void(std::uint64_t)>& progress) {
  std::sort(rects.begin(), rects.end(), [](const Rect& a, const Rect& b) { return a.y < b.y; });
  for (std::size_t i = 0; i < rects.size(); ++i) {
    copy(rects[i]);
    // Rects still to come start at or below the next one's top: every row above it is final.
    const std::uint32_t final_rows = i + 1 < rects.size() ? std::min(rects[i + 1].y, rows_total) : rows_total;
    if (progress) progress(std::uint64_t{final_rows} * pitch);
  }
  if (rects.empty() && progress) progress(std::uint64_t{rows_total} * pitch);
}

}  // namespace kagami::capture
