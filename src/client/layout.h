#pragma once
// Where the guest image goes in the window, and which filter draws it. Pure arithmetic.
#include <cstdint>

#include "client/options.h"

namespace kagami::client {

struct Rect {
  int x = 0, y = 0, width = 0, height = 0;  // pixels, origin top-left
};

struct Layout {
  Rect dest;                                // the image's rectangle in the drawable
  double scale = 1.0;                       // dest.width / image width
  FilterMode filter = FilterMode::nearest;  // resolved: never automatic
};

// image_*: the displayed guest size (after rotation); window_*: the drawable size.
Layout compute_layout(std::uint32_t image_width, std::uint32_t image_height, int window_width,
                      int window_height, ScaleMode scale, bool upscale, FilterMode filter);

}  // namespace kagami::client
