#include "client/frame_bounds.h"

#include <fmt/format.h>

#include <algorithm>

namespace kagami::client {

using protocol::FrameType;

namespace {

// Frame pixels a row of `data_width` texels carries (BGR_32 packs 4 pixels into 3 texels).
std::uint64_t data_pixels(const protocol::ValidatedFrame& f) {
  return f.type == FrameType::bgr_32 ? std::uint64_t{f.data_width} * 4 / 3 : f.data_width;
}

std::uint64_t texture_width(const protocol::ValidatedFrame& f) {
  if (f.type == FrameType::bgr_32)
    return std::max<std::uint64_t>(f.data_width, (std::uint64_t{f.frame_width} * 3 + 3) / 4);
  return std::max(f.data_width, f.frame_width);
}

}  // namespace

std::uint64_t frame_texture_bytes(const protocol::ValidatedFrame& f) {
  return texture_width(f) * std::max(f.data_height, f.frame_height) * protocol::bytes_per_texel(f.type);
}

std::string bound_frame(protocol::ValidatedFrame& f, const FrameLimits& limits) {
  const std::uint32_t max = std::max<std::uint32_t>(limits.max_texture_size, 1);
  const bool too_big_for_device = texture_width(f) > max || std::max(f.data_height, f.frame_height) > max;
  const bool over_budget = frame_texture_bytes(f) > limits.texture_budget;
  if (!too_big_for_device && !over_budget) return {};
  const std::uint32_t declared_w = f.frame_width, declared_h = f.frame_height;

  // What arrived: the data's own size (never more than declared).
  f.frame_width = static_cast<std::uint32_t>(std::min<std::uint64_t>(f.frame_width, data_pixels(f)));
  f.frame_height = std::min(f.frame_height, f.data_height);
  // What the device takes: the top-left part.
  f.data_width = std::min(f.data_width, max);
  f.data_height = std::min(f.data_height, max);
  f.frame_width = static_cast<std::uint32_t>(std::min<std::uint64_t>(f.frame_width, data_pixels(f)));
  f.frame_height = std::min(f.frame_height, f.data_height);
  f.data_size = std::uint64_t{f.data_height} * f.pitch;
  if (declared_w && declared_h) {
    f.screen_width = static_cast<std::uint32_t>(std::uint64_t{f.screen_width} * f.frame_width / declared_w);
    f.screen_height =
        static_cast<std::uint32_t>(std::uint64_t{f.screen_height} * f.frame_height / declared_h);
  }
  if (too_big_for_device) {
    return fmt::format(
        "the guest's {}x{} frame is larger than this GPU's texture limit ({}): showing the top-left {}x{}; "
        "lower the guest resolution",
        declared_w, declared_h, max, f.frame_width, f.frame_height);
  }
  return fmt::format("the guest declares a {}x{} frame but sends {}x{}: showing what arrived", declared_w,
                     declared_h, f.frame_width, f.frame_height);
}

}  // namespace kagami::client
