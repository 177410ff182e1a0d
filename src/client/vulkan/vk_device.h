#pragma once
// The Vulkan instance, the chosen physical device, the logical device and its one graphics
// queue; with a window also the SDL surface. Created on the render thread; read-only afterwards
// except the queue, which both the frame thread (upload) and the render thread submit to:
// every vkQueueSubmit / vkQueuePresentKHR / vkQueueWaitIdle holds `queue_mutex`.
#include <vulkan/vulkan.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "common/result.h"

struct SDL_Window;

namespace kagami::client::vk {

class Device {
 public:
  // window: an SDL_WINDOW_VULKAN window (a surface is made and the device must present to it),
  // or null for offscreen rendering (no surface, no swapchain).
  static Result<std::unique_ptr<Device>> create(SDL_Window* window);
  ~Device();
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;

  VkInstance instance = VK_NULL_HANDLE;
  VkSurfaceKHR surface = VK_NULL_HANDLE;  // null offscreen
  VkPhysicalDevice physical = VK_NULL_HANDLE;
  VkDevice device = VK_NULL_HANDLE;
  VkQueue queue = VK_NULL_HANDLE;
  std::uint32_t queue_family = 0;
  std::string name;  // "llvmpipe (LLVM 15.0.6, 256 bits)", "NVIDIA H200", ...
  bool cpu = false;  // VK_PHYSICAL_DEVICE_TYPE_CPU: a software rasteriser (lavapipe)
  VkPhysicalDeviceMemoryProperties memory{};
  VkPhysicalDeviceLimits limits{};

  // VK_EXT_external_memory_host: enabled, and its alignment for pointers and sizes.
  bool host_import = false;
  VkDeviceSize host_import_alignment = 0;
  PFN_vkGetMemoryHostPointerPropertiesEXT get_host_pointer_properties = nullptr;
  std::string host_import_note;  // why it is not available ("" when it is)

  std::mutex queue_mutex;

  // A memory type among `type_bits` with all of `flags`, or -1.
  int memory_type(std::uint32_t type_bits, VkMemoryPropertyFlags flags) const;
  // Submits one batch under queue_mutex.
  VkResult submit(const VkSubmitInfo& info, VkFence fence);

 private:
  Device() = default;
};

}  // namespace kagami::client::vk
