#pragma once
// Buffers and images with their memory, freed with them (move-only handles). A Buffer is either
// allocated (host-visible ones stay mapped) or an import of host memory the caller keeps mapped.
#include <vulkan/vulkan.h>

#include <cstdint>

#include "client/vulkan/vk_device.h"
#include "common/result.h"

namespace kagami::client::vk {

class Buffer {
 public:
  Buffer() = default;
  // flags: memory properties; host-visible memory is mapped for the buffer's life.
  static Result<Buffer> create(Device& device, VkDeviceSize size, VkBufferUsageFlags usage,
                               VkMemoryPropertyFlags flags);
  // VK_EXT_external_memory_host: `pointer` and `size` must be multiples of
  // device.host_import_alignment, and the memory must stay mapped while the buffer lives.
  static Result<Buffer> import_host(Device& device, const void* pointer, VkDeviceSize size,
                                    VkBufferUsageFlags usage);
  Buffer(Buffer&& other) noexcept { *this = static_cast<Buffer&&>(other); }
  Buffer& operator=(Buffer&& other) noexcept;
  ~Buffer() { release(); }

  VkBuffer handle() const { return buffer_; }
  void* mapped() const { return mapped_; }
  VkDeviceSize size() const { return size_; }
  explicit operator bool() const { return buffer_ != VK_NULL_HANDLE; }

 private:
  void release();
  Device* device_ = nullptr;
  VkBuffer buffer_ = VK_NULL_HANDLE;
  VkDeviceMemory memory_ = VK_NULL_HANDLE;
  void* mapped_ = nullptr;
  VkDeviceSize size_ = 0;
};

// A 2D device-local image with one mip level and a colour view.
class Image {
 public:
  Image() = default;
  static Result<Image> create(Device& device, std::uint32_t width, std::uint32_t height, VkFormat format,
                              VkImageUsageFlags usage);
  Image(Image&& other) noexcept { *this = static_cast<Image&&>(other); }
  Image& operator=(Image&& other) noexcept;
  ~Image() { release(); }

  VkImage handle() const { return image_; }
  VkImageView view() const { return view_; }
  VkFormat format() const { return format_; }
  std::uint32_t width() const { return width_; }
  std::uint32_t height() const { return height_; }
  explicit operator bool() const { return image_ != VK_NULL_HANDLE; }

 private:
  void release();
  Device* device_ = nullptr;
  VkImage image_ = VK_NULL_HANDLE;
  VkImageView view_ = VK_NULL_HANDLE;
  VkDeviceMemory memory_ = VK_NULL_HANDLE;
  VkFormat format_ = VK_FORMAT_UNDEFINED;
  std::uint32_t width_ = 0, height_ = 0;
};

// A layout transition of a whole colour image with the given stages and accesses.
void image_barrier(VkCommandBuffer cmd, VkImage image, VkImageLayout from, VkImageLayout to,
                   VkPipelineStageFlags src_stage, VkAccessFlags src_access, VkPipelineStageFlags dst_stage,
                   VkAccessFlags dst_access);

}  // namespace kagami::client::vk
