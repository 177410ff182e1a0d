#pragma once
// Which pixels each frame buffer is missing. The agent writes the two frame buffers in turn,
// and a client may import a whole buffer (DMA), so when a write completes every pixel of that
// buffer must be current (kvmfr-v20.md §4.1) — not only this frame's damage. Per buffer we keep
// the damage of the frames written to the *other* buffer since this one was last written; the
// copy for a frame is that plus the frame's own damage. More than `max_rects` are merged
// (bounding boxes that add the least area); unknown damage means a full copy.
#include <cstdint>
#include <optional>
#include <vector>

#include "capture/capture.h"

namespace kagami::agent {

// A frame's damage: nullopt = everything.
using Damage = std::optional<std::vector<capture::Rect>>;

// Adds `more` to `into` (either nullopt makes it full), merged to at most max_rects.
void accumulate(Damage& into, const Damage& more, std::size_t max_rects);

class DamageTracker {
 public:
  explicit DamageTracker(std::uint32_t buffers, std::size_t max_rects);

  // Every buffer needs a full copy: format change, region set up again, capture resumed.
  void invalidate_all();
  // `buffer` is about to be written with a frame whose damage (relative to the previous
  // frame) is `damage`, in a width x rows frame. Returns the rects to copy (nullopt = all),
  // and records that every other buffer now misses `damage`.
  Damage frame_written(std::uint32_t buffer, const Damage& damage, std::uint32_t width, std::uint32_t rows);

 private:
  std::vector<Damage> missed_;
  std::size_t max_rects_;
};

}  // namespace kagami::agent
