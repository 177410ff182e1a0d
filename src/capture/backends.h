#pragma once
// Choosing a capture backend by name (--capture), or the best one that starts.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "capture/capture.h"
#include "capture/pattern/pattern_backend.h"

namespace kagami::capture {

struct BackendOptions {
  std::string display;                          // x11: empty = $DISPLAY
  std::string output;                           // x11, drm: one output by name or index; empty = the default
  std::string fb_path = "/dev/fb0";             // fb
  std::string drm_path = "/dev/dri/card0";      // drm
  std::chrono::milliseconds poll_interval{16};  // fb/drm screen reads; x11 pointer position reads
  PatternConfig pattern;
};

// Names this build knows, in the order "auto" tries them (pattern is never picked by "auto").
std::vector<std::string> backend_names();

// Creates and start()s the backend `name`; "auto" tries x11, drm, fb in turn and logs why
// each one it skips failed. The error lists every attempt.
Result<std::unique_ptr<CaptureBackend>> open_backend(const std::string& name, const BackendOptions& options);

}  // namespace kagami::capture
