#pragma once
// Window → guest coordinates for client (absolute) mouse mode. The client draws the guest image
// into a viewport of its window (scaled, maybe letterboxed); a pointer at window pixel (x, y)
// must land on the guest pixel under it. Pure; unit-tested.
#include <optional>

namespace kagami::spice {

struct Viewport {
  int x = 0;  // where the guest image starts in the window, in the same pixels as the pointer
  int y = 0;
  int width = 0;  // its size there (> 0)
  int height = 0;
};

struct GuestPoint {
  int x = 0;
  int y = 0;
  bool operator==(const GuestPoint&) const = default;
};

// The guest pixel under window pixel (x, y): the pixel whose area contains the pointer's pixel
// centre. Outside the viewport it is clamped to the nearest edge (dragging past the edge keeps
// pushing against it). Nothing if the viewport or the guest size is empty.
std::optional<GuestPoint> window_to_guest(int x, int y, const Viewport& view, int guest_width,
                                          int guest_height);

}  // namespace kagami::spice
