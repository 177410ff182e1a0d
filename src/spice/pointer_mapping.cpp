#include "spice/pointer_mapping.h"

#include <algorithm>
#include <cstdint>

namespace kagami::spice {
namespace {

// floor(((p - origin) + 0.5) * guest / view) in integers, clamped to [0, guest - 1].
int map_axis(int p, int origin, int view, int guest) {
  const int64_t twice = 2 * (int64_t{p} - origin) + 1;  // pixel centre, doubled
  int64_t g = twice * guest;
  const int64_t d = 2 * int64_t{view};
  g = g >= 0 ? g / d : -((-g + d - 1) / d);  // floor division
  return static_cast<int>(std::clamp<int64_t>(g, 0, guest - 1));
}

}  // namespace

std::optional<GuestPoint> window_to_guest(int x, int y, const Viewport& view, int guest_width,
                                          int guest_height) {
  if (view.width <= 0 || view.height <= 0 || guest_width <= 0 || guest_height <= 0) return std::nullopt;
  return GuestPoint{map_axis(x, view.x, view.width, guest_width),
                    map_axis(y, view.y, view.height, guest_height)};
}

}  // namespace kagami::spice
