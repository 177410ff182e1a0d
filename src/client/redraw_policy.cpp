#include "client/redraw_policy.h"

#include <algorithm>

namespace kagami::client {
namespace {
constexpr std::uint64_t kCursorRedrawNs = 4'000'000;
// After a resize or expose: a redraw every 4 ms until the surface has caught up (flat out, a small
// window drew ~4000 times in those 300 ms).
constexpr std::uint64_t kCatchUpRedrawNs = 4'000'000;
constexpr std::uint64_t kStatsRedrawNs = 100'000'000;
// The longest a draw thread sleeps without a wake-up (a bound, not a need: every change wakes it).
constexpr int kMaxWaitMs = 50;
}  // namespace

void RedrawPolicy::changed(int settle) {
  dirty_ = true;
  settle_frames_ = std::max(settle_frames_, settle);
}

void RedrawPolicy::keep_drawing_until(std::uint64_t until_ns) {
  dirty_ = true;
  redraw_until_ns_ = std::max(redraw_until_ns_, until_ns);
}

bool RedrawPolicy::needs_redraw(std::uint64_t now_ns, const Inputs& in) const {
  if (in.hidden) return false;
  if (in.every_vblank) return true;
  if (dirty_ || settle_frames_ > 0) return true;
  if (now_ns < redraw_until_ns_ && now_ns - last_present_ns_ >= kCatchUpRedrawNs) return true;
  if (in.overlay_redraw_ns && now_ns >= in.overlay_redraw_ns && last_present_ns_ < in.overlay_redraw_ns)
    return true;
  if (cursor_moved_ && now_ns - last_present_ns_ >= kCursorRedrawNs) return true;
  return in.show_stats && now_ns - last_stats_draw_ns_ > kStatsRedrawNs;
}

int RedrawPolicy::wait_ms(std::uint64_t now_ns, const Inputs& in) const {
  if (needs_redraw(now_ns, in)) return 0;
  std::uint64_t next = now_ns + std::uint64_t{kMaxWaitMs} * 1'000'000;
  if (!in.hidden && cursor_moved_) next = std::min(next, last_present_ns_ + kCursorRedrawNs);
  if (!in.hidden && now_ns < redraw_until_ns_) next = std::min(next, last_present_ns_ + kCatchUpRedrawNs);
  if (!in.hidden && in.show_stats) next = std::min(next, last_stats_draw_ns_ + kStatsRedrawNs);
  if (!in.hidden && in.overlay_redraw_ns > now_ns) next = std::min(next, in.overlay_redraw_ns);
  return next <= now_ns ? 0 : static_cast<int>((next - now_ns + 999'999) / 1'000'000);
}

void RedrawPolicy::drawn(std::uint64_t now_ns, bool stats_shown) {
  dirty_ = false;
  cursor_moved_ = false;
  last_present_ns_ = now_ns;
  if (stats_shown) last_stats_draw_ns_ = now_ns;
  if (settle_frames_ > 0) --settle_frames_;
}

}  // namespace kagami::client
