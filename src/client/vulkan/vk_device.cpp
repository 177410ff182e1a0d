#include "client/vulkan/vk_device.h"

#include <SDL2/SDL_vulkan.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "client/vulkan/vk_util.h"

namespace kagami::client::vk {
namespace {

bool has_extension(const std::vector<VkExtensionProperties>& list, const char* name) {
  return std::any_of(list.begin(), list.end(),
                     [&](const VkExtensionProperties& e) { return std::strcmp(e.extensionName, name) == 0; });
}

// Discrete GPUs first, software rasterisers last.
int type_rank(VkPhysicalDeviceType type) {
  switch (type) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
      return 0;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
      return 1;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
      return 2;
    case VK_PHYSICAL_DEVICE_TYPE_CPU:
      return 4;
    default:
      return 3;
  }
}

}  // namespace

Result<std::unique_ptr<Device>> Device::create(SDL_Window* window) {
  std::unique_ptr<Device> d(new Device());

  std::vector<const char*> instance_extensions;
  if (window) {
    unsigned count = 0;
    if (!SDL_Vulkan_GetInstanceExtensions(window, &count, nullptr))
      return Error{fmt::format("SDL cannot use Vulkan on this window: {}", SDL_GetError())};
    instance_extensions.resize(count);
    SDL_Vulkan_GetInstanceExtensions(window, &count, instance_extensions.data());
  }
  VkApplicationInfo app{VK_STRUCTURE_TYPE_APPLICATION_INFO};
  app.pApplicationName = "kagami-client";
  app.apiVersion = VK_API_VERSION_1_1;  // external memory and get_physical_device_properties2 are core
  VkInstanceCreateInfo instance_info{VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO};
  instance_info.pApplicationInfo = &app;
  instance_info.enabledExtensionCount = static_cast<std::uint32_t>(instance_extensions.size());
  instance_info.ppEnabledExtensionNames = instance_extensions.data();
  if (VkResult r = vkCreateInstance(&instance_info, nullptr, &d->instance); r != VK_SUCCESS)
    return failure("no Vulkan instance (is a Vulkan driver installed? Debian: mesa-vulkan-drivers)", r);

  if (window && !SDL_Vulkan_CreateSurface(window, d->instance, &d->surface))
    return Error{fmt::format("SDL_Vulkan_CreateSurface: {}", SDL_GetError())};

  std::uint32_t count = 0;
  vkEnumeratePhysicalDevices(d->instance, &count, nullptr);
  std::vector<VkPhysicalDevice> devices(count);
  vkEnumeratePhysicalDevices(d->instance, &count, devices.data());

  // The best-ranked device with a graphics queue that (with a window) can present.
  int best_rank = 1 << 20;
  for (VkPhysicalDevice candidate : devices) {
    VkPhysicalDeviceProperties props;
    vkGetPhysicalDeviceProperties(candidate, &props);
    if (props.apiVersion < VK_API_VERSION_1_1) continue;
    std::uint32_t family_count = 0;
    vkGetPhysicalDeviceQueueFamilyProperties(candidate, &family_count, nullptr);
    std::vector<VkQueueFamilyProperties> families(family_count);
    vkGetPhysicalDeviceQueueFamilyProperties(candidate, &family_count, families.data());
    for (std::uint32_t i = 0; i < family_count; ++i) {
      if (!(families[i].queueFlags & VK_QUEUE_GRAPHICS_BIT)) continue;
      if (d->surface) {
        VkBool32 present = VK_FALSE;
        vkGetPhysicalDeviceSurfaceSupportKHR(candidate, i, d->surface, &present);
        if (!present) continue;
      }
      const int rank = type_rank(props.deviceType);
      if (rank < best_rank) {
        best_rank = rank;
        d->physical = candidate;
        d->queue_family = i;
        d->name = props.deviceName;
        d->cpu = props.deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU;
        d->limits = props.limits;
      }
      break;
    }
  }
  if (!d->physical)
    return Error{window ? "no Vulkan device can draw and present to this window"
                        : "no Vulkan 1.1 device with a graphics queue"};
  vkGetPhysicalDeviceMemoryProperties(d->physical, &d->memory);

  vkEnumerateDeviceExtensionProperties(d->physical, nullptr, &count, nullptr);
  std::vector<VkExtensionProperties> available(count);
  vkEnumerateDeviceExtensionProperties(d->physical, nullptr, &count, available.data());
  std::vector<const char*> extensions;
  if (window) {
    if (!has_extension(available, VK_KHR_SWAPCHAIN_EXTENSION_NAME))
      return Error{fmt::format("{} has no VK_KHR_swapchain", d->name)};
    extensions.push_back(VK_KHR_SWAPCHAIN_EXTENSION_NAME);
  }
  if (has_extension(available, VK_EXT_EXTERNAL_MEMORY_HOST_EXTENSION_NAME)) {
    extensions.push_back(VK_EXT_EXTERNAL_MEMORY_HOST_EXTENSION_NAME);
    VkPhysicalDeviceExternalMemoryHostPropertiesEXT host{
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_EXTERNAL_MEMORY_HOST_PROPERTIES_EXT};
    VkPhysicalDeviceProperties2 props2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2};
    props2.pNext = &host;
    vkGetPhysicalDeviceProperties2(d->physical, &props2);
    d->host_import_alignment = host.minImportedHostPointerAlignment;
  } else {
    d->host_import_note = "the device has no VK_EXT_external_memory_host";
  }

  const float priority = 1.0f;
  VkDeviceQueueCreateInfo queue_info{VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO};
  queue_info.queueFamilyIndex = d->queue_family;
  queue_info.queueCount = 1;
  queue_info.pQueuePriorities = &priority;
  VkDeviceCreateInfo device_info{VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO};
  device_info.queueCreateInfoCount = 1;
  device_info.pQueueCreateInfos = &queue_info;
  device_info.enabledExtensionCount = static_cast<std::uint32_t>(extensions.size());
  device_info.ppEnabledExtensionNames = extensions.data();
  if (VkResult r = vkCreateDevice(d->physical, &device_info, nullptr, &d->device); r != VK_SUCCESS)
    return failure(fmt::format("vkCreateDevice ({})", d->name), r);
  vkGetDeviceQueue(d->device, d->queue_family, 0, &d->queue);

  if (d->host_import_alignment != 0) {
    d->get_host_pointer_properties = reinterpret_cast<PFN_vkGetMemoryHostPointerPropertiesEXT>(
        vkGetDeviceProcAddr(d->device, "vkGetMemoryHostPointerPropertiesEXT"));
    d->host_import = d->get_host_pointer_properties != nullptr;
    if (!d->host_import) d->host_import_note = "vkGetMemoryHostPointerPropertiesEXT is missing";
  }
  return d;
}

Device::~Device() {
  if (device) {
    vkDeviceWaitIdle(device);
    vkDestroyDevice(device, nullptr);
  }
  if (surface) vkDestroySurfaceKHR(instance, surface, nullptr);
  if (instance) vkDestroyInstance(instance, nullptr);
}

int Device::memory_type(std::uint32_t type_bits, VkMemoryPropertyFlags flags) const {
  for (std::uint32_t i = 0; i < memory.memoryTypeCount; ++i) {
    if ((type_bits & (1u << i)) && (memory.memoryTypes[i].propertyFlags & flags) == flags)
      return static_cast<int>(i);
  }
  return -1;
}

VkResult Device::submit(const VkSubmitInfo& info, VkFence fence) {
  std::lock_guard lock(queue_mutex);
  return vkQueueSubmit(queue, 1, &info, fence);
}

}  // namespace kagami::client::vk
