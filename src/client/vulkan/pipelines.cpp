#include "client/vulkan/pipelines.h"

#include <spdlog/spdlog.h>

#include <cstdint>

#include "client/vulkan/vk_util.h"

// SPIR-V compiled at build time by glslangValidator (src/client/vulkan/CMakeLists.txt).
#include "cursor.frag.h"
#include "cursor.vert.h"
#include "frame.frag.h"
#include "frame.vert.h"

namespace kagami::client::vk {
namespace {

template <std::size_t N>
Result<VkShaderModule> make_module(VkDevice device, const std::uint32_t (&code)[N]) {
  VkShaderModuleCreateInfo info{VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO};
  info.codeSize = sizeof(code);
  info.pCode = code;
  VkShaderModule module = VK_NULL_HANDLE;
  if (VkResult r = vkCreateShaderModule(device, &info, nullptr, &module); r != VK_SUCCESS)
    return failure("vkCreateShaderModule", r);
  return module;
}

Result<VkRenderPass> make_render_pass(VkDevice device, VkFormat format, VkImageLayout final_layout,
                                      bool load) {
  VkAttachmentDescription colour{};
  colour.format = format;
  colour.samples = VK_SAMPLE_COUNT_1_BIT;
  colour.loadOp = load ? VK_ATTACHMENT_LOAD_OP_LOAD : VK_ATTACHMENT_LOAD_OP_CLEAR;
  colour.storeOp = VK_ATTACHMENT_STORE_OP_STORE;
  colour.stencilLoadOp = VK_ATTACHMENT_LOAD_OP_DONT_CARE;
  colour.stencilStoreOp = VK_ATTACHMENT_STORE_OP_DONT_CARE;
  colour.initialLayout = load ? VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL : VK_IMAGE_LAYOUT_UNDEFINED;
  colour.finalLayout = final_layout;
  VkAttachmentReference ref{0, VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL};
  VkSubpassDescription subpass{};
  subpass.pipelineBindPoint = VK_PIPELINE_BIND_POINT_GRAPHICS;
  subpass.colorAttachmentCount = 1;
  subpass.pColorAttachments = &ref;
  // The attachment is written after the swapchain's acquire semaphore / the previous readback.
  VkSubpassDependency before{};
  before.srcSubpass = VK_SUBPASS_EXTERNAL;
  before.dstSubpass = 0;
  before.srcStageMask = VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT;
  before.dstStageMask = VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT;
  before.srcAccessMask = VK_ACCESS_TRANSFER_READ_BIT;
  before.dstAccessMask = VK_ACCESS_COLOR_ATTACHMENT_WRITE_BIT | VK_ACCESS_COLOR_ATTACHMENT_READ_BIT;
  VkSubpassDependency after{};
  after.srcSubpass = 0;
  after.dstSubpass = VK_SUBPASS_EXTERNAL;
  after.srcStageMask = VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT;
  after.dstStageMask = VK_PIPELINE_STAGE_TRANSFER_BIT | VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT;
  after.srcAccessMask = VK_ACCESS_COLOR_ATTACHMENT_WRITE_BIT;
  after.dstAccessMask = VK_ACCESS_TRANSFER_READ_BIT;
  const VkSubpassDependency dependencies[] = {before, after};
  VkRenderPassCreateInfo info{VK_STRUCTURE_TYPE_RENDER_PASS_CREATE_INFO};
  info.attachmentCount = 1;
  info.pAttachments = &colour;
  info.subpassCount = 1;
  info.pSubpasses = &subpass;
  info.dependencyCount = 2;
  info.pDependencies = dependencies;
  VkRenderPass pass = VK_NULL_HANDLE;
  if (VkResult r = vkCreateRenderPass(device, &info, nullptr, &pass); r != VK_SUCCESS)
    return failure("vkCreateRenderPass", r);
  return pass;
}

Result<VkSampler> make_sampler(VkDevice device, VkFilter filter) {
  VkSamplerCreateInfo info{VK_STRUCTURE_TYPE_SAMPLER_CREATE_INFO};
  info.magFilter = filter;
  info.minFilter = filter;
  info.mipmapMode = VK_SAMPLER_MIPMAP_MODE_NEAREST;
  info.addressModeU = VK_SAMPLER_ADDRESS_MODE_CLAMP_TO_EDGE;
  info.addressModeV = VK_SAMPLER_ADDRESS_MODE_CLAMP_TO_EDGE;
  info.addressModeW = VK_SAMPLER_ADDRESS_MODE_CLAMP_TO_EDGE;
  info.maxLod = 0.0f;
  VkSampler sampler = VK_NULL_HANDLE;
  if (VkResult r = vkCreateSampler(device, &info, nullptr, &sampler); r != VK_SUCCESS)
    return failure("vkCreateSampler", r);
  return sampler;
}

}  // namespace

Result<std::unique_ptr<Pipelines>> Pipelines::create(Device& device, VkFormat format) {
  std::unique_ptr<Pipelines> p(new Pipelines(device));
  VkDevice dev = device.device;
  p->format_ = format;
  for (int present = 0; present < 2; ++present) {
    for (int load = 0; load < 2; ++load) {
      auto pass = make_render_pass(
          dev, format, present ? VK_IMAGE_LAYOUT_PRESENT_SRC_KHR : VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL,
          load != 0);
      if (!pass) return pass.error();
      p->passes_[present][load] = *pass;
    }
  }
  auto nearest = make_sampler(dev, VK_FILTER_NEAREST);
  if (!nearest) return nearest.error();
  p->nearest_ = *nearest;
  auto linear = make_sampler(dev, VK_FILTER_LINEAR);
  if (!linear) return linear.error();
  p->linear_ = *linear;

  VkDescriptorSetLayoutBinding binding{};
  binding.binding = 0;
  binding.descriptorType = VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER;
  binding.descriptorCount = 1;
  binding.stageFlags = VK_SHADER_STAGE_FRAGMENT_BIT;
  VkDescriptorSetLayoutCreateInfo set_info{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO};
  set_info.bindingCount = 1;
  set_info.pBindings = &binding;
  if (VkResult r = vkCreateDescriptorSetLayout(dev, &set_info, nullptr, &p->texture_layout_); r != VK_SUCCESS)
    return failure("vkCreateDescriptorSetLayout", r);

  const VkPushConstantRange frame_push{VK_SHADER_STAGE_VERTEX_BIT | VK_SHADER_STAGE_FRAGMENT_BIT, 0,
                                       sizeof(FramePush)};
  const VkPushConstantRange cursor_push{VK_SHADER_STAGE_VERTEX_BIT, 0, 4 * sizeof(float)};
  VkPipelineLayoutCreateInfo layout{VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO};
  layout.setLayoutCount = 1;
  layout.pSetLayouts = &p->texture_layout_;
  layout.pushConstantRangeCount = 1;
  layout.pPushConstantRanges = &frame_push;
  if (VkResult r = vkCreatePipelineLayout(dev, &layout, nullptr, &p->frame_layout_); r != VK_SUCCESS)
    return failure("vkCreatePipelineLayout", r);
  layout.pPushConstantRanges = &cursor_push;
  if (VkResult r = vkCreatePipelineLayout(dev, &layout, nullptr, &p->cursor_layout_); r != VK_SUCCESS)
    return failure("vkCreatePipelineLayout", r);

  for (auto [module, result] : {std::pair{&p->frame_vert_, make_module(dev, k_frame_vert)},
                                std::pair{&p->frame_frag_, make_module(dev, k_frame_frag)},
                                std::pair{&p->cursor_vert_, make_module(dev, k_cursor_vert)},
                                std::pair{&p->cursor_frag_, make_module(dev, k_cursor_frag)}}) {
    if (!result) return result.error();
    *module = *result;
  }

  // dst' = src.a * src + (1 - src.a) * dst; the attachment's alpha is kept.
  VkPipelineColorBlendAttachmentState blend{};
  blend.blendEnable = VK_TRUE;
  blend.srcColorBlendFactor = VK_BLEND_FACTOR_SRC_ALPHA;
  blend.dstColorBlendFactor = VK_BLEND_FACTOR_ONE_MINUS_SRC_ALPHA;
  blend.colorBlendOp = VK_BLEND_OP_ADD;
  blend.srcAlphaBlendFactor = VK_BLEND_FACTOR_ZERO;
  blend.dstAlphaBlendFactor = VK_BLEND_FACTOR_ONE;
  blend.alphaBlendOp = VK_BLEND_OP_ADD;
  blend.colorWriteMask = 0xF;
  auto cursor_blend = p->build(p->cursor_vert_, p->cursor_frag_, p->cursor_layout_, nullptr, blend);
  if (!cursor_blend) return cursor_blend.error();
  p->cursor_blend_ = *cursor_blend;
  // dst' = src * (1 - dst) + dst * (1 - src): white inverts, black leaves the screen as it is.
  blend.srcColorBlendFactor = VK_BLEND_FACTOR_ONE_MINUS_DST_COLOR;
  blend.dstColorBlendFactor = VK_BLEND_FACTOR_ONE_MINUS_SRC_COLOR;
  auto cursor_invert = p->build(p->cursor_vert_, p->cursor_frag_, p->cursor_layout_, nullptr, blend);
  if (!cursor_invert) return cursor_invert.error();
  p->cursor_invert_ = *cursor_invert;
  // The common pipeline now, so a driver that rejects the shaders fails at start.
  if (!p->frame(1, 0, 0)) return Error{"the Vulkan driver cannot build the frame pipeline (see the log)"};
  return p;
}

Pipelines::~Pipelines() {
  VkDevice dev = device_.device;
  for (auto& [key, pipeline] : frame_pipelines_) vkDestroyPipeline(dev, pipeline, nullptr);
  vkDestroyPipeline(dev, cursor_blend_, nullptr);
  vkDestroyPipeline(dev, cursor_invert_, nullptr);
  for (VkShaderModule m : {frame_vert_, frame_frag_, cursor_vert_, cursor_frag_})
    vkDestroyShaderModule(dev, m, nullptr);
  vkDestroyPipelineLayout(dev, frame_layout_, nullptr);
  vkDestroyPipelineLayout(dev, cursor_layout_, nullptr);
  vkDestroyDescriptorSetLayout(dev, texture_layout_, nullptr);
  vkDestroySampler(dev, nearest_, nullptr);
  vkDestroySampler(dev, linear_, nullptr);
  for (auto& row : passes_)
    for (VkRenderPass pass : row) vkDestroyRenderPass(dev, pass, nullptr);
}

VkPipeline Pipelines::frame(int type, int filter, int transfer) {
  const auto key = std::tuple{type, filter, transfer};
  if (auto it = frame_pipelines_.find(key); it != frame_pipelines_.end()) return it->second;
  const std::int32_t values[3] = {type, filter, transfer};
  const VkSpecializationMapEntry entries[3] = {{0, 0, 4}, {1, 4, 4}, {2, 8, 4}};
  VkSpecializationInfo specialization{3, entries, sizeof(values), values};
  VkPipelineColorBlendAttachmentState opaque{};
  opaque.colorWriteMask = 0xF;
  auto built = build(frame_vert_, frame_frag_, frame_layout_, &specialization, opaque);
  if (!built) {
    spdlog::error("Vulkan frame pipeline (type {}, filter {}, transfer {}): {}", type, filter, transfer,
                  built.error().message);
    return VK_NULL_HANDLE;
  }
  frame_pipelines_.emplace(key, *built);
  return *built;
}

Result<VkPipeline> Pipelines::build(VkShaderModule vertex, VkShaderModule fragment, VkPipelineLayout layout,
                                    const VkSpecializationInfo* specialization,
                                    const VkPipelineColorBlendAttachmentState& blend) {
  VkPipelineShaderStageCreateInfo stages[2]{};
  stages[0].sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO;
  stages[0].stage = VK_SHADER_STAGE_VERTEX_BIT;
  stages[0].module = vertex;
  stages[0].pName = "main";
  stages[1].sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO;
  stages[1].stage = VK_SHADER_STAGE_FRAGMENT_BIT;
  stages[1].module = fragment;
  stages[1].pName = "main";
  stages[1].pSpecializationInfo = specialization;
  VkPipelineVertexInputStateCreateInfo vertex_input{
      VK_STRUCTURE_TYPE_PIPELINE_VERTEX_INPUT_STATE_CREATE_INFO};
  VkPipelineInputAssemblyStateCreateInfo assembly{
      VK_STRUCTURE_TYPE_PIPELINE_INPUT_ASSEMBLY_STATE_CREATE_INFO};
  assembly.topology = VK_PRIMITIVE_TOPOLOGY_TRIANGLE_STRIP;
  VkPipelineViewportStateCreateInfo viewport{VK_STRUCTURE_TYPE_PIPELINE_VIEWPORT_STATE_CREATE_INFO};
  viewport.viewportCount = 1;
  viewport.scissorCount = 1;
  VkPipelineRasterizationStateCreateInfo raster{VK_STRUCTURE_TYPE_PIPELINE_RASTERIZATION_STATE_CREATE_INFO};
  raster.polygonMode = VK_POLYGON_MODE_FILL;
  raster.cullMode = VK_CULL_MODE_NONE;
  raster.frontFace = VK_FRONT_FACE_COUNTER_CLOCKWISE;
  raster.lineWidth = 1.0f;
  VkPipelineMultisampleStateCreateInfo multisample{VK_STRUCTURE_TYPE_PIPELINE_MULTISAMPLE_STATE_CREATE_INFO};
  multisample.rasterizationSamples = VK_SAMPLE_COUNT_1_BIT;
  VkPipelineColorBlendStateCreateInfo colour{VK_STRUCTURE_TYPE_PIPELINE_COLOR_BLEND_STATE_CREATE_INFO};
  colour.attachmentCount = 1;
  colour.pAttachments = &blend;
  const VkDynamicState dynamic_states[] = {VK_DYNAMIC_STATE_VIEWPORT, VK_DYNAMIC_STATE_SCISSOR};
  VkPipelineDynamicStateCreateInfo dynamic{VK_STRUCTURE_TYPE_PIPELINE_DYNAMIC_STATE_CREATE_INFO};
  dynamic.dynamicStateCount = 2;
  dynamic.pDynamicStates = dynamic_states;
  VkGraphicsPipelineCreateInfo info{VK_STRUCTURE_TYPE_GRAPHICS_PIPELINE_CREATE_INFO};
  info.stageCount = 2;
  info.pStages = stages;
  info.pVertexInputState = &vertex_input;
  info.pInputAssemblyState = &assembly;
  info.pViewportState = &viewport;
  info.pRasterizationState = &raster;
  info.pMultisampleState = &multisample;
  info.pColorBlendState = &colour;
  info.pDynamicState = &dynamic;
  info.layout = layout;
  info.renderPass = present_pass();  // compatible with the others: only layouts and load ops differ
  VkPipeline pipeline = VK_NULL_HANDLE;
  if (VkResult r = vkCreateGraphicsPipelines(device_.device, VK_NULL_HANDLE, 1, &info, nullptr, &pipeline);
      r != VK_SUCCESS)
    return failure("vkCreateGraphicsPipelines", r);
  return pipeline;
}

}  // namespace kagami::client::vk
