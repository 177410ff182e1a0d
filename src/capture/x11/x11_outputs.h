#pragma once
// The X server's outputs as RandR 1.5 monitors (one per active CRTC, plus any defined with
// `xrandr --setmonitor`), and the one `--output NAME|INDEX` picks. The x11 backend crops the root
// window to it; the placement goes into kagami's KVMFR output record.
#include <xcb/xcb.h>

#include <string>
#include <vector>

#include "common/result.h"
#include "protocol/kvmfr_output.h"

namespace kagami::capture {

struct X11Monitor {
  std::string name;
  std::int32_t x = 0, y = 0;
  std::uint32_t width = 0, height = 0;
};

// The active monitors of the screen whose root is `root`, in the server's order. Errors: no
// RandR 1.5 on the server.
Result<std::vector<X11Monitor>> list_monitors(xcb_connection_t* conn, xcb_window_t root);

// `which` is a monitor name or a decimal index into `monitors`; the result's desktop is the root
// window (X11's desktop), `count` the number of monitors. The error lists what there is.
Result<protocol::OutputInfo> pick_monitor(const std::vector<X11Monitor>& monitors, const std::string& which,
                                          std::uint32_t root_width, std::uint32_t root_height);

}  // namespace kagami::capture
