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
  std::string wayland_display;                  // wlr: empty = $WAYLAND_DISPLAY
  std::string output;  // x11, drm: a name or index; wlr: a name. One output of several; empty = the default
  bool overlay_cursor = false;                  // wlr: paint the cursor into the frames
  std::string portal_token_file;                // portal: restore token file; empty = the default
  std::string fb_path = "/dev/fb0";             // fb
  std::string drm_path = "/dev/dri/card0";      // drm
  std::chrono::milliseconds poll_interval{16};  // fb/drm screen reads; x11 pointer position reads
  PatternConfig pattern;
};

// Names this build knows (pattern is never picked by "auto").
std::vector<std::string> backend_names();

// What kind of desktop the agent runs in, for "auto".
struct Session {
  bool wayland = false;  // WAYLAND_DISPLAY (or --wayland-display) is set
  bool x11 = false;      // DISPLAY (or --display) is set
};
Session detect_session(const BackendOptions& options);
// The backends "auto" tries, in order, for a session, and why (for the log): a Wayland session
// never tries x11 (XWayland's root window shows only the X clients, not the desktop).
struct AutoPlan {
  std::vector<std::string> order;
  std::string why;
};
AutoPlan auto_plan(const Session& session);

// Creates and start()s the backend `name`; "auto" tries the auto_plan of the session in turn and
// logs why each one it skips failed. The error lists every attempt.
Result<std::unique_ptr<CaptureBackend>> open_backend(const std::string& name, const BackendOptions& options);

}  // namespace kagami::capture
