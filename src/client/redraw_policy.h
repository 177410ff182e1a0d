#pragma once
// When a display's draw thread redraws (nothing is drawn unless something changed), and the per-second
// timings it logs at debug level. Pure; times in nanoseconds; the draw thread only.
#include <cstdint>

namespace kagami::client {

class RedrawPolicy {
 public:
  // Something on screen changed: draw, then `settle` more frames (ImGui windows size themselves
  // over a couple of frames).
  void changed(int settle = 0);
  // Draw now, then every 4 ms until `until_ns` (after a resize the GL surface follows the X window
  // late, and nothing says when it has).
  void keep_drawing_until(std::uint64_t until_ns);
  // Only the guest pointer moved: drawn at most every 4 ms (a 1000 Hz mouse must not mean 1000
  // full redraws a second; a new frame carries the latest position anyway).
  void cursor_moved() { cursor_moved_ = true; }

  struct Inputs {
    bool hidden = false;
    bool every_vblank = false;       // --present every-vblank: draw each refresh
    std::uint64_t overlay_redraw_ns = 0;  // the overlay changes then (a notice goes); 0: never
    bool show_stats = false;         // the statistics move: 10 draws a second
  };
  bool needs_redraw(std::uint64_t now_ns, const Inputs& in) const;
  // How long the draw thread may sleep waiting for a wake-up before it must look again (ms).
  int wait_ms(std::uint64_t now_ns, const Inputs& in) const;
  void drawn(std::uint64_t now_ns, bool stats_shown);

 private:
  bool dirty_ = true;
  int settle_frames_ = 0;
  std::uint64_t redraw_until_ns_ = 0;
  bool cursor_moved_ = false;
  std::uint64_t last_present_ns_ = 0;
  std::uint64_t last_stats_draw_ns_ = 0;
};

// Summed over a second, logged at debug level by the draw thread.
struct RenderTimings {
  std::uint64_t since_ns = 0, upload_ns = 0, upload_cpu_ns = 0, draw_ns = 0, draws = 0, frames = 0;
};

}  // namespace kagami::client
