#pragma once
// Render passes, samplers and pipelines of the Vulkan backend (render thread): the frame pass
// (one pipeline per frame type, filter and transfer function, chosen by specialisation
// constants and built on first use) and the cursor's blend and invert passes.
#include <vulkan/vulkan.h>

#include <map>
#include <memory>
#include <tuple>

#include "client/vulkan/vk_device.h"

namespace kagami::client::vk {

// Push constants of the frame pass (frame.vert / frame.frag): std430 layout, 52 bytes.
struct FramePush {
  float dest[4];  // NDC left, top, right, bottom
  float frame_size[2];
  float tex_size[2];
  float footprint[2];
  std::int32_t frame_px[2];
  std::int32_t rotation;
};

class Pipelines {
 public:
  // format: the colour attachment's format (swapchain or offscreen image).
  static Result<std::unique_ptr<Pipelines>> create(Device& device, VkFormat format);
  ~Pipelines();
  Pipelines(const Pipelines&) = delete;
  Pipelines& operator=(const Pipelines&) = delete;

  VkFormat format() const { return format_; }
  // Ends in PRESENT_SRC (present) or TRANSFER_SRC (readback); starts cleared to black, or
  // (load) keeps what a blit put in the attachment (COLOR_ATTACHMENT_OPTIMAL). All compatible.
  VkRenderPass pass(bool present, bool load) const { return passes_[present][load]; }
  VkRenderPass present_pass() const { return pass(true, false); }
  VkRenderPass readback_pass() const { return pass(false, false); }

  VkSampler sampler(bool linear) const { return linear ? linear_ : nearest_; }
  VkDescriptorSetLayout texture_layout() const { return texture_layout_; }
  VkPipelineLayout frame_layout() const { return frame_layout_; }
  VkPipelineLayout cursor_layout() const { return cursor_layout_; }

  // type: KVMFR FrameType; filter 0 nearest, 1 linear, 2 area; transfer 0 SDR, 1 scRGB, 2 PQ.
  VkPipeline frame(int type, int filter, int transfer);
  VkPipeline cursor_blend() const { return cursor_blend_; }
  VkPipeline cursor_invert() const { return cursor_invert_; }

 private:
  explicit Pipelines(Device& device) : device_(device) {}
  Result<VkPipeline> build(VkShaderModule vertex, VkShaderModule fragment, VkPipelineLayout layout,
                           const VkSpecializationInfo* specialization,
                           const VkPipelineColorBlendAttachmentState& blend);

  Device& device_;
  VkFormat format_ = VK_FORMAT_UNDEFINED;
  VkRenderPass passes_[2][2] = {};  // [present][load]
  VkSampler nearest_ = VK_NULL_HANDLE, linear_ = VK_NULL_HANDLE;
  VkDescriptorSetLayout texture_layout_ = VK_NULL_HANDLE;
  VkPipelineLayout frame_layout_ = VK_NULL_HANDLE, cursor_layout_ = VK_NULL_HANDLE;
  VkShaderModule frame_vert_ = VK_NULL_HANDLE, frame_frag_ = VK_NULL_HANDLE;
  VkShaderModule cursor_vert_ = VK_NULL_HANDLE, cursor_frag_ = VK_NULL_HANDLE;
  std::map<std::tuple<int, int, int>, VkPipeline> frame_pipelines_;
  VkPipeline cursor_blend_ = VK_NULL_HANDLE, cursor_invert_ = VK_NULL_HANDLE;
};

}  // namespace kagami::client::vk
