#include "client/layout.h"

#include <algorithm>
#include <cmath>

namespace kagami::client {

Layout compute_layout(std::uint32_t image_width, std::uint32_t image_height, int window_width,
                      int window_height, ScaleMode scale, bool upscale, FilterMode filter) {
  Layout layout;
  if (image_width == 0 || image_height == 0 || window_width <= 0 || window_height <= 0) return layout;
  const double fit = std::min(static_cast<double>(window_width) / image_width,
                              static_cast<double>(window_height) / image_height);
  double factor = fit;
  if (scale == ScaleMode::integer) {
    // The largest whole factor that fits; when even 1:1 does not fit, shrink to fit instead.
    factor = fit >= 1.0 ? std::floor(fit) : fit;
  }
  if (!upscale) factor = std::min(factor, 1.0);

  int width = static_cast<int>(std::lround(image_width * factor));
  int height = static_cast<int>(std::lround(image_height * factor));
  if (scale == ScaleMode::stretch) {  // each axis on its own: the whole window (or 1:1 without upscale)
    width = upscale ? window_width : std::min<int>(window_width, static_cast<int>(image_width));
    height = upscale ? window_height : std::min<int>(window_height, static_cast<int>(image_height));
  }
  width = std::clamp(width, 1, window_width);
  height = std::clamp(height, 1, window_height);
  layout.dest = {(window_width - width) / 2, (window_height - height) / 2, width, height};
  layout.scale = static_cast<double>(width) / image_width;

  const bool whole = static_cast<std::uint32_t>(width) % image_width == 0 &&
                     static_cast<std::uint32_t>(height) % image_height == 0 &&
                     width / static_cast<int>(image_width) == height / static_cast<int>(image_height);
  if (filter == FilterMode::automatic) {
    if (whole)
      filter = FilterMode::nearest;
    else if (std::min(layout.scale, static_cast<double>(height) / image_height) < 1.0)
      filter = FilterMode::sharp;
    else
      filter = FilterMode::linear;
  }
  // The area filter only differs from linear when shrinking.
  if (filter == FilterMode::sharp && layout.scale >= 1.0) filter = FilterMode::linear;
  layout.filter = filter;
  return layout;
}

}  // namespace kagami::client
