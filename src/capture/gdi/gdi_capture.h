#pragma once
// The `gdi` capture backend: BitBlt of the primary screen (or, with `output`, of one monitor's
// rectangle of the virtual desktop) into a DIB section, damage by tile comparison with the
// previous capture, cursor from GetCursorInfo/GetIconInfo. Slower than DXGI and blind to the
// secure desktop, but it works everywhere, including under Wine.
#include <chrono>
#include <memory>
#include <string>

#include "capture/capture.h"

namespace kagami::capture {

struct GdiOptions {
  // GDI has no change notification: the screen is grabbed and compared this often while it
  // changes, and the cursor polled this often always.
  std::chrono::milliseconds interval{16};
  // A still screen is grabbed less and less often, down to this (the latency of the first
  // change after a pause; a 1080p grab under Wine costs ~5 ms of CPU).
  std::chrono::milliseconds idle_interval{100};
  // "" = the primary screen, no output record. Else one monitor, as EnumDisplayMonitors lists
  // them: an index or a device name (\\.\DISPLAY2); the frame is its rectangle, the cursor is
  // visible only while on it, and the region carries its output record.
  std::string output;
};

std::unique_ptr<CaptureBackend> make_gdi_capture(const GdiOptions& options = {});

}  // namespace kagami::capture
