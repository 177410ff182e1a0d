#pragma once
// The pointer in window points -> guest desktop pixels for the guest input (absolute SPICE
// positions): window point -> the output's pixel under it (the last drawn layout) -> + the
// output's place in the guest desktop (kagami's KGMO record, kvmfr_output.h).
//
// Desktop coordinates, not per-output ones, because what receives them spans the whole desktop:
// the USB tablet (and QEMU's tablet behind SPICE without a vdagent) maps its range onto the guest's
// whole virtual desktop, so a window showing output 2 must send positions inside output 2's part
// of it. The coordinates are relative to the desktop box's top-left (the tablet's 0,0), which is
// not 0,0 where a guest has an output left of or above its primary. SPICE's display id stays 0:
// spice-server hands it only to a vdagent, and kagami's windows are guest outputs (from the
// KGMO record), not SPICE display channels, so there is no display id to name (docs/client.md).
#include <optional>

#include "client/guest_input.h"
#include "client/layout.h"
#include "client/renderer.h"
#include "client/window.h"
#include "protocol/kvmfr_output.h"

namespace kagami::client {

// Where the output's 0,0 is in desktop coordinates (relative to the desktop box). Without a record
// (a Looking Glass B7 host: one region is the whole desktop) it is 0,0.
struct DesktopOffset {
  int x = 0, y = 0;
  bool operator==(const DesktopOffset&) const = default;
};
DesktopOffset desktop_offset(const std::optional<protocol::OutputInfo>& output);

// Pure: a drawable pixel (wx, wy) -> the desktop pixel under it, clamped to the output (dragging
// past the window's edge keeps pushing against the output's edge); false outside the image.
bool window_to_desktop(const FrameGeometry& g, const Layout& layout, const DesktopOffset& offset, double wx,
                       double wy, int& desktop_x, int& desktop_y);

// What the draw thread last drew, as the event thread maps pointer positions through it (a copy:
// the event thread never asks the renderer, which belongs to the draw thread).
struct DrawnView {
  bool has_frame = false;
  FrameGeometry geometry;
  Layout layout;
  int drawable_width = 0, drawable_height = 0;  // pixels
  DesktopOffset offset;                         // from the KGMO record
};

class WindowPointerMap final : public GuestPointerMap {
 public:
  WindowPointerMap(const Window& window, const DrawnView& view) : window_(window), view_(view) {}
  bool window_to_guest(int window_x, int window_y, int& guest_x, int& guest_y) const override;

 private:
  const Window& window_;
  DrawnView view_;
};

}  // namespace kagami::client
