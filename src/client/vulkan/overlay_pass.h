#pragma once
// Dear ImGui's draw data through imgui's own Vulkan backend (libimgui-dev ships it compiled in
// libimgui.a). Render thread. Made on the first frame that carries an overlay (an ImGui context
// exists then); must be destroyed while that context still exists (before ImGui::DestroyContext).
#include <vulkan/vulkan.h>

#include <functional>
#include <memory>

#include "client/vulkan/vk_device.h"

struct ImDrawData;

namespace kagami::client::vk {

class OverlayPass {
 public:
  using RunOnce = std::function<Result<void>(const std::function<void(VkCommandBuffer)>&)>;
  // pass: the render pass it draws in (or a compatible one); frames_in_flight: how many frames
  // may use imgui's vertex buffers at once; run_once: records and runs a command buffer, waiting.
  static Result<std::unique_ptr<OverlayPass>> create(Device& device, VkRenderPass pass,
                                                     std::uint32_t frames_in_flight, const RunOnce& run_once);
  ~OverlayPass();
  OverlayPass(const OverlayPass&) = delete;
  OverlayPass& operator=(const OverlayPass&) = delete;

  // Before ImGui::NewFrame().
  void new_frame();
  // Inside the render pass.
  void record(ImDrawData* data, VkCommandBuffer cmd);

 private:
  explicit OverlayPass(Device& device) : device_(device) {}
  Device& device_;
  VkDescriptorPool pool_ = VK_NULL_HANDLE;
  bool initialised_ = false;
};

}  // namespace kagami::client::vk
