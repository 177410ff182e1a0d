#include "client/vulkan/vk_resources.h"

#include <fmt/format.h>

#include <utility>

#include "client/vulkan/vk_util.h"

namespace kagami::client::vk {

Result<Buffer> Buffer::create(Device& device, VkDeviceSize size, VkBufferUsageFlags usage,
                              VkMemoryPropertyFlags flags) {
  Buffer b;
  b.device_ = &device;
  b.size_ = size;
  VkBufferCreateInfo info{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
  info.size = size;
  info.usage = usage;
  info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  if (VkResult r = vkCreateBuffer(device.device, &info, nullptr, &b.buffer_); r != VK_SUCCESS)
    return failure("vkCreateBuffer", r);
  VkMemoryRequirements req;
  vkGetBufferMemoryRequirements(device.device, b.buffer_, &req);
  const int type = device.memory_type(req.memoryTypeBits, flags);
  if (type < 0) return Error{fmt::format("no Vulkan memory type for a {} byte buffer", size)};
  VkMemoryAllocateInfo alloc{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
  alloc.allocationSize = req.size;
  alloc.memoryTypeIndex = static_cast<std::uint32_t>(type);
  if (VkResult r = vkAllocateMemory(device.device, &alloc, nullptr, &b.memory_); r != VK_SUCCESS)
    return failure(fmt::format("vkAllocateMemory ({} bytes)", req.size), r);
  vkBindBufferMemory(device.device, b.buffer_, b.memory_, 0);
  if (flags & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT) {
    if (VkResult r = vkMapMemory(device.device, b.memory_, 0, VK_WHOLE_SIZE, 0, &b.mapped_); r != VK_SUCCESS)
      return failure("vkMapMemory", r);
  }
  return b;
}

Result<Buffer> Buffer::import_host(Device& device, const void* pointer, VkDeviceSize size,
                                   VkBufferUsageFlags usage) {
  if (!device.host_import) return Error{device.host_import_note};
  // The extension takes a non-const pointer; the buffer is only ever a transfer source.
  void* host = const_cast<void*>(pointer);
  VkMemoryHostPointerPropertiesEXT props{VK_STRUCTURE_TYPE_MEMORY_HOST_POINTER_PROPERTIES_EXT};
  if (VkResult r = device.get_host_pointer_properties(
          device.device, VK_EXTERNAL_MEMORY_HANDLE_TYPE_HOST_ALLOCATION_BIT_EXT, host, &props);
      r != VK_SUCCESS)
    return failure("vkGetMemoryHostPointerPropertiesEXT", r);

  Buffer b;
  b.device_ = &device;
  b.size_ = size;
  VkExternalMemoryBufferCreateInfo external{VK_STRUCTURE_TYPE_EXTERNAL_MEMORY_BUFFER_CREATE_INFO};
  external.handleTypes = VK_EXTERNAL_MEMORY_HANDLE_TYPE_HOST_ALLOCATION_BIT_EXT;
  VkBufferCreateInfo info{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
  info.pNext = &external;
  info.size = size;
  info.usage = usage;
  info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  if (VkResult r = vkCreateBuffer(device.device, &info, nullptr, &b.buffer_); r != VK_SUCCESS)
    return failure("vkCreateBuffer (host import)", r);
  VkMemoryRequirements req;
  vkGetBufferMemoryRequirements(device.device, b.buffer_, &req);
  const int type = device.memory_type(req.memoryTypeBits & props.memoryTypeBits, 0);
  if (type < 0) return Error{"no memory type can hold both the buffer and the imported host memory"};
  VkImportMemoryHostPointerInfoEXT import{VK_STRUCTURE_TYPE_IMPORT_MEMORY_HOST_POINTER_INFO_EXT};
  import.handleType = VK_EXTERNAL_MEMORY_HANDLE_TYPE_HOST_ALLOCATION_BIT_EXT;
  import.pHostPointer = host;
  VkMemoryAllocateInfo alloc{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
  alloc.pNext = &import;
  alloc.allocationSize = size;
  alloc.memoryTypeIndex = static_cast<std::uint32_t>(type);
  if (VkResult r = vkAllocateMemory(device.device, &alloc, nullptr, &b.memory_); r != VK_SUCCESS)
    return failure(fmt::format("importing {} bytes of host memory", size), r);
  if (VkResult r = vkBindBufferMemory(device.device, b.buffer_, b.memory_, 0); r != VK_SUCCESS)
    return failure("vkBindBufferMemory (host import)", r);
  return b;
}

Buffer& Buffer::operator=(Buffer&& other) noexcept {
  if (this != &other) {
    release();
    device_ = std::exchange(other.device_, nullptr);
    buffer_ = std::exchange(other.buffer_, VK_NULL_HANDLE);
    memory_ = std::exchange(other.memory_, VK_NULL_HANDLE);
    mapped_ = std::exchange(other.mapped_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

void Buffer::release() {
  if (!device_) return;
  if (buffer_) vkDestroyBuffer(device_->device, buffer_, nullptr);
  if (memory_) vkFreeMemory(device_->device, memory_, nullptr);  // unmaps too
  buffer_ = VK_NULL_HANDLE;
  memory_ = VK_NULL_HANDLE;
  mapped_ = nullptr;
  device_ = nullptr;
}

Result<Image> Image::create(Device& device, std::uint32_t width, std::uint32_t height, VkFormat format,
                            VkImageUsageFlags usage) {
  Image im;
  im.device_ = &device;
  im.format_ = format;
  im.width_ = width;
  im.height_ = height;
  VkImageCreateInfo info{VK_STRUCTURE_TYPE_IMAGE_CREATE_INFO};
  info.imageType = VK_IMAGE_TYPE_2D;
  info.format = format;
  info.extent = {width, height, 1};
  info.mipLevels = 1;
  info.arrayLayers = 1;
  info.samples = VK_SAMPLE_COUNT_1_BIT;
  info.tiling = VK_IMAGE_TILING_OPTIMAL;
  info.usage = usage;
  info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  info.initialLayout = VK_IMAGE_LAYOUT_UNDEFINED;
  if (VkResult r = vkCreateImage(device.device, &info, nullptr, &im.image_); r != VK_SUCCESS)
    return failure(fmt::format("vkCreateImage {}x{} format {}", width, height, static_cast<int>(format)), r);
  VkMemoryRequirements req;
  vkGetImageMemoryRequirements(device.device, im.image_, &req);
  int type = device.memory_type(req.memoryTypeBits, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
  if (type < 0) type = device.memory_type(req.memoryTypeBits, 0);
  if (type < 0) return Error{"no Vulkan memory type for an image"};
  VkMemoryAllocateInfo alloc{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
  alloc.allocationSize = req.size;
  alloc.memoryTypeIndex = static_cast<std::uint32_t>(type);
  if (VkResult r = vkAllocateMemory(device.device, &alloc, nullptr, &im.memory_); r != VK_SUCCESS)
    return failure("vkAllocateMemory (image)", r);
  vkBindImageMemory(device.device, im.image_, im.memory_, 0);
  VkImageViewCreateInfo view{VK_STRUCTURE_TYPE_IMAGE_VIEW_CREATE_INFO};
  view.image = im.image_;
  view.viewType = VK_IMAGE_VIEW_TYPE_2D;
  view.format = format;
  view.subresourceRange = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1};
  if (VkResult r = vkCreateImageView(device.device, &view, nullptr, &im.view_); r != VK_SUCCESS)
    return failure("vkCreateImageView", r);
  return im;
}

Image& Image::operator=(Image&& other) noexcept {
  if (this != &other) {
    release();
    device_ = std::exchange(other.device_, nullptr);
    image_ = std::exchange(other.image_, VK_NULL_HANDLE);
    view_ = std::exchange(other.view_, VK_NULL_HANDLE);
    memory_ = std::exchange(other.memory_, VK_NULL_HANDLE);
    format_ = other.format_;
    width_ = other.width_;
    height_ = other.height_;
  }
  return *this;
}

void Image::release() {
  if (!device_) return;
  if (view_) vkDestroyImageView(device_->device, view_, nullptr);
  if (image_) vkDestroyImage(device_->device, image_, nullptr);
  if (memory_) vkFreeMemory(device_->device, memory_, nullptr);
  view_ = VK_NULL_HANDLE;
  image_ = VK_NULL_HANDLE;
  memory_ = VK_NULL_HANDLE;
  device_ = nullptr;
}

void image_barrier(VkCommandBuffer cmd, VkImage image, VkImageLayout from, VkImageLayout to,
                   VkPipelineStageFlags src_stage, VkAccessFlags src_access, VkPipelineStageFlags dst_stage,
                   VkAccessFlags dst_access) {
  VkImageMemoryBarrier b{VK_STRUCTURE_TYPE_IMAGE_MEMORY_BARRIER};
  b.srcAccessMask = src_access;
  b.dstAccessMask = dst_access;
  b.oldLayout = from;
  b.newLayout = to;
  b.srcQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
  b.dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
  b.image = image;
  b.subresourceRange = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1};
  vkCmdPipelineBarrier(cmd, src_stage, dst_stage, 0, 0, nullptr, 0, nullptr, 1, &b);
}

}  // namespace kagami::client::vk
