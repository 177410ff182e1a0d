#pragma once
// How each KVMFR frame type is stored in a Vulkan image (reference §4), and the size of that image.
#include <vulkan/vulkan.h>

#include <cstdint>

#include "protocol/kvmfr_frame.h"

namespace kagami::client::vk {

struct FrameFormat {
  VkFormat format = VK_FORMAT_UNDEFINED;
  std::uint32_t texel_bytes = 0;       // bytes per image texel (the copy's unit)
  std::uint32_t texels_per_pixel = 1;  // image texels per upload-plan texel (RGB_24: 3 R8 texels)
};

// BGRA -> B8G8R8A8; RGBA and BGR_32 (packed bytes, unpacked in the shader) -> R8G8B8A8;
// RGBA10 (R in the low bits) -> A2B10G10R10; RGBA16F -> R16G16B16A16_SFLOAT; RGB_24 -> R8 with
// three texels per pixel (R8G8B8 is rarely sampleable). UNDEFINED for anything else.
FrameFormat frame_format(protocol::FrameType type);

// Image size for a frame: at least the frame's size, so rows a truncated frame lacks and texels
// past a short BGR_32 row read as black rather than outside the image.
void frame_image_size(const protocol::ValidatedFrame& frame, std::uint32_t& width, std::uint32_t& height);

}  // namespace kagami::client::vk
