#pragma once
// Small helpers shared by the Vulkan backend: VkResult to text, errors that name the call.
#include <vulkan/vulkan.h>

#include <string_view>

#include "common/result.h"

namespace kagami::client::vk {

const char* result_name(VkResult result);
// "what: VK_ERROR_..." as a kagami Error.
Error failure(std::string_view what, VkResult result);

}  // namespace kagami::client::vk
