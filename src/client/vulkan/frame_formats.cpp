#include "client/vulkan/frame_formats.h"

#include <algorithm>

namespace kagami::client::vk {

using protocol::FrameType;

FrameFormat frame_format(FrameType type) {
  switch (type) {
    case FrameType::bgra:
      return {VK_FORMAT_B8G8R8A8_UNORM, 4, 1};
    case FrameType::rgba:
    case FrameType::bgr_32:
      return {VK_FORMAT_R8G8B8A8_UNORM, 4, 1};
    case FrameType::rgba10:
      return {VK_FORMAT_A2B10G10R10_UNORM_PACK32, 4, 1};
    case FrameType::rgba16f:
      return {VK_FORMAT_R16G16B16A16_SFLOAT, 8, 1};
    case FrameType::rgb_24:
      return {VK_FORMAT_R8_UNORM, 1, 3};
    default:
      return {};
  }
}

void frame_image_size(const protocol::ValidatedFrame& f, std::uint32_t& width, std::uint32_t& height) {
  width = std::max(f.data_width, f.frame_width);
  if (f.type == FrameType::bgr_32) width = std::max<std::uint32_t>(f.data_width, (f.frame_width * 3 + 3) / 4);
  if (f.type == FrameType::rgb_24) width *= 3;
  height = std::max(f.data_height, f.frame_height);
}

}  // namespace kagami::client::vk
