#include "client/vulkan/overlay_pass.h"

#include <backends/imgui_impl_vulkan.h>
#include <imgui.h>

#include <algorithm>

#include "client/vulkan/vk_util.h"

namespace kagami::client::vk {

Result<std::unique_ptr<OverlayPass>> OverlayPass::create(Device& device, VkRenderPass pass,
                                                         std::uint32_t frames_in_flight,
                                                         const RunOnce& run_once) {
  if (!ImGui::GetCurrentContext()) return Error{"no Dear ImGui context"};
  std::unique_ptr<OverlayPass> o(new OverlayPass(device));
  // imgui's backend allocates one descriptor set (the font texture) from a pool we give it.
  const VkDescriptorPoolSize size{VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER, 4};
  VkDescriptorPoolCreateInfo pool{VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
  pool.flags = VK_DESCRIPTOR_POOL_CREATE_FREE_DESCRIPTOR_SET_BIT;
  pool.maxSets = 4;
  pool.poolSizeCount = 1;
  pool.pPoolSizes = &size;
  if (VkResult r = vkCreateDescriptorPool(device.device, &pool, nullptr, &o->pool_); r != VK_SUCCESS)
    return failure("vkCreateDescriptorPool (overlay)", r);

  ImGui_ImplVulkan_InitInfo info{};
  info.Instance = device.instance;
  info.PhysicalDevice = device.physical;
  info.Device = device.device;
  info.QueueFamily = device.queue_family;
  info.Queue = device.queue;
  info.DescriptorPool = o->pool_;
  info.Subpass = 0;
  // imgui rotates its vertex buffers per draw: as many as frames that may be in flight.
  info.MinImageCount = std::max<std::uint32_t>(frames_in_flight, 2);
  info.ImageCount = info.MinImageCount;
  info.MSAASamples = VK_SAMPLE_COUNT_1_BIT;
  if (!ImGui_ImplVulkan_Init(&info, pass)) return Error{"ImGui_ImplVulkan_Init failed"};
  o->initialised_ = true;
  // The font atlas goes to the GPU once.
  auto uploaded = run_once([](VkCommandBuffer cmd) { ImGui_ImplVulkan_CreateFontsTexture(cmd); });
  ImGui_ImplVulkan_DestroyFontUploadObjects();
  if (!uploaded) return uploaded.error();
  return o;
}

OverlayPass::~OverlayPass() {
  if (initialised_ && ImGui::GetCurrentContext()) ImGui_ImplVulkan_Shutdown();
  if (pool_) vkDestroyDescriptorPool(device_.device, pool_, nullptr);
}

void OverlayPass::new_frame() { ImGui_ImplVulkan_NewFrame(); }

void OverlayPass::record(ImDrawData* data, VkCommandBuffer cmd) {
  if (data && data->CmdListsCount > 0) ImGui_ImplVulkan_RenderDrawData(data, cmd);
}

}  // namespace kagami::client::vk
