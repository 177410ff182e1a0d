#include "agent/damage_tracker.h"

#include "capture/rects.h"

namespace kagami::agent {

void accumulate(Damage& into, const Damage& more, std::size_t max_rects) {
  if (!into) return;
  if (!more) {
    into.reset();
    return;
  }
  for (const capture::Rect& r : *more) capture::add_rect(*into, r);
  capture::merge_to_limit(*into, max_rects);
}

DamageTracker::DamageTracker(std::uint32_t buffers, std::size_t max_rects)
    : missed_(buffers), max_rects_(max_rects) {}

void DamageTracker::invalidate_all() {
  for (Damage& d : missed_) d.reset();
}

Damage DamageTracker::frame_written(std::uint32_t buffer, const Damage& damage, std::uint32_t width,
                                    std::uint32_t rows) {
  Damage copy = missed_[buffer];
  accumulate(copy, damage, max_rects_);
  if (copy) {
    std::vector<capture::Rect> clipped;
    for (const capture::Rect& r : *copy) capture::add_rect(clipped, capture::clip(r, width, rows));
    copy = std::move(clipped);
  }
  missed_[buffer] = std::vector<capture::Rect>{};
  for (std::uint32_t other = 0; other < missed_.size(); ++other) {
    if (other != buffer) accumulate(missed_[other], damage, max_rects_);
  }
  return copy;
}

}  // namespace kagami::agent
