#include "client/vulkan/vk_util.h"

#include <fmt/format.h>

namespace kagami::client::vk {

const char* result_name(VkResult result) {
  switch (result) {
#define KAGAMI_VK_CASE(name) \
  case name:                 \
    return #name;
    KAGAMI_VK_CASE(VK_SUCCESS)
    KAGAMI_VK_CASE(VK_NOT_READY)
    KAGAMI_VK_CASE(VK_TIMEOUT)
    KAGAMI_VK_CASE(VK_INCOMPLETE)
    KAGAMI_VK_CASE(VK_SUBOPTIMAL_KHR)
    KAGAMI_VK_CASE(VK_ERROR_OUT_OF_HOST_MEMORY)
    KAGAMI_VK_CASE(VK_ERROR_OUT_OF_DEVICE_MEMORY)
    KAGAMI_VK_CASE(VK_ERROR_INITIALIZATION_FAILED)
    KAGAMI_VK_CASE(VK_ERROR_DEVICE_LOST)
    KAGAMI_VK_CASE(VK_ERROR_MEMORY_MAP_FAILED)
    KAGAMI_VK_CASE(VK_ERROR_LAYER_NOT_PRESENT)
    KAGAMI_VK_CASE(VK_ERROR_EXTENSION_NOT_PRESENT)
    KAGAMI_VK_CASE(VK_ERROR_FEATURE_NOT_PRESENT)
    KAGAMI_VK_CASE(VK_ERROR_INCOMPATIBLE_DRIVER)
    KAGAMI_VK_CASE(VK_ERROR_TOO_MANY_OBJECTS)
    KAGAMI_VK_CASE(VK_ERROR_FORMAT_NOT_SUPPORTED)
    KAGAMI_VK_CASE(VK_ERROR_INVALID_EXTERNAL_HANDLE)
    KAGAMI_VK_CASE(VK_ERROR_SURFACE_LOST_KHR)
    KAGAMI_VK_CASE(VK_ERROR_NATIVE_WINDOW_IN_USE_KHR)
    KAGAMI_VK_CASE(VK_ERROR_OUT_OF_DATE_KHR)
#undef KAGAMI_VK_CASE
    default:
      return "VkResult (unknown)";
  }
}

Error failure(std::string_view what, VkResult result) {
  return Error{fmt::format("{}: {} ({})", what, result_name(result), static_cast<int>(result))};
}

}  // namespace kagami::client::vk
