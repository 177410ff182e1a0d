#include "client/vulkan/vulkan_renderer.h"

#include <SDL2/SDL.h>
#include <SDL2/SDL_vulkan.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cstring>

#include "client/latency_trace.h"
#include "client/vulkan/vk_util.h"

namespace kagami::client {

using protocol::FrameRotation;
using protocol::FrameType;

Result<std::unique_ptr<VulkanRenderer>> VulkanRenderer::create(const VulkanSettings& settings) {
  auto device = vk::Device::create(settings.window);
  if (!device) return device.error();
  std::unique_ptr<VulkanRenderer> r(new VulkanRenderer(std::move(*device)));
  if (auto ok = r->init(settings); !ok) return ok.error();
  return r;
}

Result<void> VulkanRenderer::init(const VulkanSettings& settings) {
  VkDevice dev = device_->device;
  window_ = settings.window;
  vsync_ = settings.vsync;
  if (!settings.host_import && device_->host_import) {
    device_->host_import = false;
    device_->host_import_note = "host-pointer import turned off by the caller";
  }
  VkFormat format = VK_FORMAT_B8G8R8A8_UNORM;
  if (window_) {
    auto chosen = vk::Swapchain::choose_format(*device_);
    if (!chosen) return chosen.error();
    surface_format_ = *chosen;
    format = surface_format_.format;
  }
  auto pipelines = vk::Pipelines::create(*device_, format);
  if (!pipelines) return pipelines.error();
  pipelines_ = std::move(*pipelines);
  auto upload = vk::FrameUpload::create(*device_);
  if (!upload) return upload.error();
  upload_ = std::move(*upload);

  VkCommandPoolCreateInfo pool{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
  pool.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
  pool.queueFamilyIndex = device_->queue_family;
  if (VkResult r = vkCreateCommandPool(dev, &pool, nullptr, &pool_); r != VK_SUCCESS)
    return vk::failure("vkCreateCommandPool", r);
  std::array<VkCommandBuffer, kFramesInFlight + 1> cmds{};
  VkCommandBufferAllocateInfo alloc{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
  alloc.commandPool = pool_;
  alloc.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  alloc.commandBufferCount = static_cast<std::uint32_t>(cmds.size());
  if (VkResult r = vkAllocateCommandBuffers(dev, &alloc, cmds.data()); r != VK_SUCCESS)
    return vk::failure("vkAllocateCommandBuffers", r);
  VkFenceCreateInfo signalled{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
  signalled.flags = VK_FENCE_CREATE_SIGNALED_BIT;
  VkSemaphoreCreateInfo sem{VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO};
  for (std::size_t i = 0; i < kFramesInFlight; ++i) {
    slots_[i].cmd = cmds[i];
    if (VkResult r = vkCreateFence(dev, &signalled, nullptr, &slots_[i].done); r != VK_SUCCESS)
      return vk::failure("vkCreateFence", r);
    if (VkResult r = vkCreateSemaphore(dev, &sem, nullptr, &slots_[i].acquired); r != VK_SUCCESS)
      return vk::failure("vkCreateSemaphore", r);
  }
  once_cmd_ = cmds[kFramesInFlight];
  VkFenceCreateInfo unsignalled{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
  if (VkResult r = vkCreateFence(dev, &unsignalled, nullptr, &once_fence_); r != VK_SUCCESS)
    return vk::failure("vkCreateFence", r);

  // Frame: 2 images x 2 samplers; cursor: 2 images x 2 samplers.
  const VkDescriptorPoolSize size{VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER, 8};
  VkDescriptorPoolCreateInfo dpool{VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
  dpool.maxSets = 8;
  dpool.poolSizeCount = 1;
  dpool.pPoolSizes = &size;
  if (VkResult r = vkCreateDescriptorPool(dev, &dpool, nullptr, &descriptor_pool_); r != VK_SUCCESS)
    return vk::failure("vkCreateDescriptorPool", r);
  std::array<VkDescriptorSetLayout, 8> layouts;
  layouts.fill(pipelines_->texture_layout());
  std::array<VkDescriptorSet, 8> sets{};
  VkDescriptorSetAllocateInfo set_alloc{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
  set_alloc.descriptorPool = descriptor_pool_;
  set_alloc.descriptorSetCount = 8;
  set_alloc.pSetLayouts = layouts.data();
  if (VkResult r = vkAllocateDescriptorSets(dev, &set_alloc, sets.data()); r != VK_SUCCESS)
    return vk::failure("vkAllocateDescriptorSets", r);
  frame_sets_[0][0] = sets[0];
  frame_sets_[0][1] = sets[1];
  frame_sets_[1][0] = sets[2];
  frame_sets_[1][1] = sets[3];
  cursor_blend_.sets[0] = sets[4];
  cursor_blend_.sets[1] = sets[5];
  cursor_invert_.sets[0] = sets[6];
  cursor_invert_.sets[1] = sets[7];
  spdlog::info("Vulkan renderer: {}", describe());
  return {};
}

VulkanRenderer::~VulkanRenderer() {
  if (!device_ || !device_->device) return;
  wait_idle();
  VkDevice dev = device_->device;
  overlay_.reset();
  swapchain_.reset();
  offscreen_.reset();
  cursor_blend_.image = vk::Image();
  cursor_invert_.image = vk::Image();
  upload_.reset();
  for (Slot& s : slots_) {
    if (s.done) vkDestroyFence(dev, s.done, nullptr);
    if (s.acquired) vkDestroySemaphore(dev, s.acquired, nullptr);
  }
  if (once_fence_) vkDestroyFence(dev, once_fence_, nullptr);
  if (pool_) vkDestroyCommandPool(dev, pool_, nullptr);
  if (descriptor_pool_) vkDestroyDescriptorPool(dev, descriptor_pool_, nullptr);
  pipelines_.reset();
}

void VulkanRenderer::wait_idle() {
  std::lock_guard lock(device_->queue_mutex);
  vkQueueWaitIdle(device_->queue);
}

std::string VulkanRenderer::describe() const {
  std::lock_guard lock(state_mutex_);
  std::string upload;
  switch (upload_path_) {
    case vk::UploadPath::host_import:
      upload = fmt::format("host-pointer import (VK_EXT_external_memory_host, {}-byte alignment)",
                           device_->host_import_alignment);
      break;
    case vk::UploadPath::staging:
      upload = fmt::format("staging buffer ({})", staging_reason_);
      break;
    case vk::UploadPath::none:
      upload = device_->host_import ? fmt::format("host-pointer import available ({}-byte alignment)",
                                                  device_->host_import_alignment)
                                    : fmt::format("staging buffer ({})", device_->host_import_note);
      break;
  }
  std::string present = window_ ? "window (no swapchain yet)" : "offscreen";
  if (swapchain_) present = fmt::format("present {}", vk::present_mode_name(swapchain_->present_mode()));
  return fmt::format("{}, {}, {}", device_->name, upload, present);
}

vk::UploadPath VulkanRenderer::last_upload_path() const {
  std::lock_guard lock(state_mutex_);
  return upload_path_;
}

bool VulkanRenderer::has_frame() const {
  std::lock_guard lock(state_mutex_);
  return has_frame_;
}

bool VulkanRenderer::frame_pending() const {
  std::lock_guard lock(state_mutex_);
  return published_ != drawn_published_;
}

FrameGeometry VulkanRenderer::geometry() const {
  std::lock_guard lock(state_mutex_);
  return geometry_;
}

void VulkanRenderer::set_user_rotation(int quarter_turns) {
  std::lock_guard lock(state_mutex_);
  user_rotation_ = ((quarter_turns % 4) + 4) % 4;
  geometry_.rotation = shown_rotation();
}

protocol::FrameRotation VulkanRenderer::shown_rotation() const {
  return static_cast<protocol::FrameRotation>((static_cast<int>(frame_rotation_) + user_rotation_) % 4);
}

void VulkanRenderer::reset() {
  std::lock_guard lock(state_mutex_);
  has_frame_ = false;
  forget_imports_ = true;
}

UploadStats VulkanRenderer::upload(const FrameSource& source) {
  const protocol::ValidatedFrame& f = source.frame;
  {
    std::lock_guard lock(state_mutex_);
    if (forget_imports_) {
      upload_->forget_imports();
      forget_imports_ = false;
    }
    if (upload_->needs_image(f)) {
      // The render thread is shut out (the lock) and nothing on the GPU may still use the old
      // images once the queue is idle.
      wait_idle();
      // The new images are black and the geometry and type are still the old frame's until
      // publish: draw nothing (black) in between rather than mix the two.
      has_frame_ = false;
      if (auto made = upload_->make_image(f); !made) {
        // Said once per frame format, not once per frame.
        const std::string what =
            fmt::format("{}x{} {}", f.data_width, f.data_height, protocol::frame_type_name(f.type));
        if (what != failed_image_)
          spdlog::error("Vulkan: no image for a {} frame: {}", what, made.error().message);
        failed_image_ = what;
        return {};
      }
      failed_image_.clear();
    }
  }
  const UploadStats stats = upload_->upload(source);
  std::lock_guard lock(state_mutex_);
  // Which path the uploads take is worth a line whenever it changes (and why, for staging).
  if (upload_->last_path() != upload_path_ || upload_->staging_reason() != staging_reason_) {
    if (upload_->last_path() == vk::UploadPath::host_import)
      spdlog::info("Vulkan upload: host-pointer import of the region (zero CPU copies)");
    else if (upload_->last_path() == vk::UploadPath::staging)
      spdlog::info("Vulkan upload: staging buffer ({})", upload_->staging_reason());
  }
  upload_path_ = upload_->last_path();
  staging_reason_ = upload_->staging_reason();
  if (upload_->last_ok()) {
    upload_->publish();
    frame_rotation_ = f.rotation;
    geometry_ = {f.frame_width, f.frame_height, f.screen_width, f.screen_height, shown_rotation()};
    type_ = f.type;
    flags_ = f.flags;
    has_frame_ = true;
    ++published_;
    serial_ = f.frame_serial;
    latency_trace::mark(latency_trace::Stage::committed, f.frame_serial);
  }
  return stats;
}

Result<void> VulkanRenderer::run_once(const std::function<void(VkCommandBuffer)>& record) {
  vkResetCommandBuffer(once_cmd_, 0);
  VkCommandBufferBeginInfo begin{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
  begin.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
  vkBeginCommandBuffer(once_cmd_, &begin);
  record(once_cmd_);
  if (VkResult r = vkEndCommandBuffer(once_cmd_); r != VK_SUCCESS)
    return vk::failure("vkEndCommandBuffer", r);
  VkSubmitInfo info{VK_STRUCTURE_TYPE_SUBMIT_INFO};
  info.commandBufferCount = 1;
  info.pCommandBuffers = &once_cmd_;
  if (VkResult r = device_->submit(info, once_fence_); r != VK_SUCCESS)
    return vk::failure("vkQueueSubmit", r);
  vkWaitForFences(device_->device, 1, &once_fence_, VK_TRUE, UINT64_MAX);
  vkResetFences(device_->device, 1, &once_fence_);
  return {};
}

void VulkanRenderer::set_cursor(const CursorImage& image) {
  cursor_width_ = 0;
  if (image.width == 0 || image.height == 0) return;
  const VkDeviceSize bytes = VkDeviceSize{image.width} * image.height * 4;
  if (image.blend.size() < bytes || image.invert.size() < bytes) return;
  // Draws in flight may still sample the old images.
  wait_idle();
  auto staging =
      vk::Buffer::create(*device_, bytes * 2, VK_BUFFER_USAGE_TRANSFER_SRC_BIT,
                         VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT);
  if (!staging) {
    spdlog::error("Vulkan cursor: {}", staging.error().message);
    return;
  }
  std::memcpy(staging->mapped(), image.blend.data(), bytes);
  std::memcpy(static_cast<std::byte*>(staging->mapped()) + bytes, image.invert.data(), bytes);
  CursorTexture* textures[2] = {&cursor_blend_, &cursor_invert_};
  for (CursorTexture* t : textures) {
    auto made = vk::Image::create(*device_, image.width, image.height, VK_FORMAT_R8G8B8A8_UNORM,
                                  VK_IMAGE_USAGE_TRANSFER_DST_BIT | VK_IMAGE_USAGE_SAMPLED_BIT);
    if (!made) {
      spdlog::error("Vulkan cursor: {}", made.error().message);
      return;
    }
    t->image = std::move(*made);
    for (int linear = 0; linear < 2; ++linear) {
      VkDescriptorImageInfo info{pipelines_->sampler(linear != 0), t->image.view(),
                                 VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL};
      VkWriteDescriptorSet write{VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET};
      write.dstSet = t->sets[linear];
      write.descriptorCount = 1;
      write.descriptorType = VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER;
      write.pImageInfo = &info;
      vkUpdateDescriptorSets(device_->device, 1, &write, 0, nullptr);
    }
  }
  auto done = run_once([&](VkCommandBuffer cmd) {
    for (int i = 0; i < 2; ++i) {
      const VkImage target = textures[i]->image.handle();
      vk::image_barrier(cmd, target, VK_IMAGE_LAYOUT_UNDEFINED, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL,
                        VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, 0, VK_PIPELINE_STAGE_TRANSFER_BIT,
                        VK_ACCESS_TRANSFER_WRITE_BIT);
      VkBufferImageCopy copy{};
      copy.bufferOffset = bytes * static_cast<VkDeviceSize>(i);
      copy.imageSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
      copy.imageExtent = {image.width, image.height, 1};
      vkCmdCopyBufferToImage(cmd, staging->handle(), target, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, 1, &copy);
      vk::image_barrier(cmd, target, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL,
                        VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL, VK_PIPELINE_STAGE_TRANSFER_BIT,
                        VK_ACCESS_TRANSFER_WRITE_BIT, VK_PIPELINE_STAGE_FRAGMENT_SHADER_BIT,
                        VK_ACCESS_SHADER_READ_BIT);
    }
  });
  if (!done) {
    spdlog::error("Vulkan cursor: {}", done.error().message);
    return;
  }
  cursor_width_ = image.width;
  cursor_height_ = image.height;
  cursor_has_invert_ = image.has_invert;
}

void VulkanRenderer::set_vsync(bool on) { vsync_ = on; }

std::uint32_t VulkanRenderer::max_texture_size() const { return device_->limits.maxImageDimension2D; }

void VulkanRenderer::drawable_size(int& width, int& height) const {
  width = height = 0;
  if (window_) {
    // The surface's own extent where the window system defines it: SDL's size is what it asked
    // for (e.g. full screen that no window manager granted), and the swapchain takes this one.
    VkSurfaceCapabilitiesKHR caps;
    if (vkGetPhysicalDeviceSurfaceCapabilitiesKHR(device_->physical, device_->surface, &caps) == VK_SUCCESS &&
        caps.currentExtent.width != 0xFFFFFFFFu) {
      width = static_cast<int>(caps.currentExtent.width);
      height = static_cast<int>(caps.currentExtent.height);
    } else {
      SDL_Vulkan_GetDrawableSize(window_, &width, &height);
    }
  } else if (offscreen_) {
    width = static_cast<int>(offscreen_->image().width());
    height = static_cast<int>(offscreen_->image().height());
  }
}

void VulkanRenderer::start_overlay() {
  if (overlay_failed_) return;  // said once; the frame is drawn without the overlay
  auto made = vk::OverlayPass::create(*device_, pipelines_->present_pass(), kFramesInFlight,
                                      [this](const auto& record) { return run_once(record); });
  if (made)
    overlay_ = std::move(*made);
  else {
    overlay_failed_ = true;
    spdlog::error("Vulkan overlay: {}", made.error().message);
  }
}

void VulkanRenderer::begin_overlay_frame() {
  if (!overlay_) start_overlay();
  if (overlay_) overlay_->new_frame();
}

Result<void> VulkanRenderer::ensure_swapchain(std::uint32_t width, std::uint32_t height) {
  if (swapchain_ && !swap_stale_ && width == swap_width_ && height == swap_height_ &&
      swapchain_->vsync() == vsync_)
    return {};
  wait_idle();
  const bool had = swapchain_ != nullptr;
  const VkPresentModeKHR old_mode = had ? swapchain_->present_mode() : VK_PRESENT_MODE_MAX_ENUM_KHR;
  auto made = vk::Swapchain::create(*device_, pipelines_->present_pass(), surface_format_, width, height,
                                    vsync_, had ? swapchain_->handle() : VK_NULL_HANDLE);
  swapchain_.reset();
  if (!made) return made.error();
  swapchain_ = std::move(*made);
  swap_width_ = width;
  swap_height_ = height;
  swap_stale_ = false;
  // The present mode is worth a line when it changes (start, vsync toggled); resizes are not.
  if (swapchain_->present_mode() != old_mode)
    spdlog::info("Vulkan swapchain {}x{}, present mode {}{}", swapchain_->extent().width,
                 swapchain_->extent().height, vk::present_mode_name(swapchain_->present_mode()),
                 vsync_ ? " (vsync)" : "");
  return {};
}

void VulkanRenderer::update_frame_sets() {
  if (!upload_->has_image() || frame_sets_generation_ == upload_->generation()) return;
  // The images were replaced with the queue idle: no submitted draw still uses these sets.
  for (int image = 0; image < 2; ++image) {
    for (int linear = 0; linear < 2; ++linear) {
      VkDescriptorImageInfo info{pipelines_->sampler(linear != 0), upload_->image(image).view(),
                                 VK_IMAGE_LAYOUT_GENERAL};
      VkWriteDescriptorSet write{VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET};
      write.dstSet = frame_sets_[image][linear];
      write.descriptorCount = 1;
      write.descriptorType = VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER;
      write.pImageInfo = &info;
      vkUpdateDescriptorSets(device_->device, 1, &write, 0, nullptr);
    }
  }
  frame_sets_generation_ = upload_->generation();
}

// Inside a render pass, with state_mutex_ held.
void VulkanRenderer::record_frame(VkCommandBuffer cmd, const Layout& layout, int width, int height) {
  if (!has_frame_ || !upload_->has_image() || layout.dest.width <= 0 || layout.dest.height <= 0) return;
  update_frame_sets();
  int transfer = 0;
  if (flags_ & protocol::kFrameFlagHdrPq)
    transfer = 2;
  else if (type_ == FrameType::rgba16f)
    transfer = 1;
  const int filter = layout.filter == FilterMode::nearest ? 0 : layout.filter == FilterMode::sharp ? 2 : 1;
  const VkPipeline pipeline = pipelines_->frame(static_cast<int>(type_), filter, transfer);
  if (!pipeline) return;
  vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, pipeline);
  vkCmdBindDescriptorSets(cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, pipelines_->frame_layout(), 0, 1,
                          &frame_sets_[upload_->shown_index()][filter == 0 ? 0 : 1], 0, nullptr);
  const auto ndc_x = [&](int x) { return 2.0f * static_cast<float>(x) / static_cast<float>(width) - 1.0f; };
  const auto ndc_y = [&](int y) { return 2.0f * static_cast<float>(y) / static_cast<float>(height) - 1.0f; };
  const Rect& d = layout.dest;
  const vk::Image& image = upload_->shown();
  const bool turned = geometry_.rotation == FrameRotation::r90 || geometry_.rotation == FrameRotation::r270;
  const float fx = static_cast<float>(geometry_.image_width()) / static_cast<float>(d.width);
  const float fy = static_cast<float>(geometry_.image_height()) / static_cast<float>(d.height);
  vk::FramePush push{};
  push.dest[0] = ndc_x(d.x);
  push.dest[1] = ndc_y(d.y);
  push.dest[2] = ndc_x(d.x + d.width);
  push.dest[3] = ndc_y(d.y + d.height);
  push.frame_size[0] = static_cast<float>(geometry_.frame_width);
  push.frame_size[1] = static_cast<float>(geometry_.frame_height);
  push.tex_size[0] = static_cast<float>(image.width());
  push.tex_size[1] = static_cast<float>(image.height());
  // The footprint is in frame axes: swapped when the image is turned by 90 or 270 degrees.
  push.footprint[0] = turned ? fy : fx;
  push.footprint[1] = turned ? fx : fy;
  push.frame_px[0] = static_cast<std::int32_t>(geometry_.frame_width);
  push.frame_px[1] = static_cast<std::int32_t>(geometry_.frame_height);
  push.rotation = static_cast<std::int32_t>(geometry_.rotation);
  vkCmdPushConstants(cmd, pipelines_->frame_layout(),
                     VK_SHADER_STAGE_VERTEX_BIT | VK_SHADER_STAGE_FRAGMENT_BIT, 0, sizeof(push), &push);
  vkCmdDraw(cmd, 4, 1, 0, 0);
}

// Outside a render pass, with state_mutex_ held. An upright 8-bit SDR frame drawn nearest or
// linear is a vkCmdBlitImage into the target (as the GLES backend blits): a software rasteriser
// copies rows several times faster than it runs a fragment shader over them. Leaves the target in
// COLOR_ATTACHMENT_OPTIMAL for the "load" pass; false (nothing recorded) when the frame needs the
// shader.
bool VulkanRenderer::blit_frame(VkCommandBuffer cmd, VkImage target, const Layout& layout,
                                VkExtent2D extent) {
  const Rect& d = layout.dest;
  if (!has_frame_ || !upload_->has_image() || d.width <= 0 || d.height <= 0) return false;
  if (geometry_.rotation != FrameRotation::r0 || (flags_ & protocol::kFrameFlagHdrPq)) return false;
  if (type_ != FrameType::bgra && type_ != FrameType::rgba) return false;
  if (layout.filter != FilterMode::nearest && layout.filter != FilterMode::linear) return false;
  const bool linear = layout.filter == FilterMode::linear;
  if (!blit_formats_ok(vk::frame_format(type_).format, linear)) return false;
  if (d.x < 0 || d.y < 0 || static_cast<std::uint32_t>(d.x + d.width) > extent.width ||
      static_cast<std::uint32_t>(d.y + d.height) > extent.height)
    return false;

  vk::image_barrier(cmd, target, VK_IMAGE_LAYOUT_UNDEFINED, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL,
                    VK_PIPELINE_STAGE_TRANSFER_BIT | VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT, 0,
                    VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT);
  const bool covers = d.x == 0 && d.y == 0 && static_cast<std::uint32_t>(d.width) == extent.width &&
                      static_cast<std::uint32_t>(d.height) == extent.height;
  if (!covers) {
    const VkClearColorValue black{{0.0f, 0.0f, 0.0f, 1.0f}};
    const VkImageSubresourceRange range{VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1};
    vkCmdClearColorImage(cmd, target, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, &black, 1, &range);
    VkMemoryBarrier waw{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
    waw.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
    waw.dstAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
    vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT, 0, 1, &waw, 0,
                         nullptr, 0, nullptr);
  }
  VkImageBlit region{};
  region.srcSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
  region.srcOffsets[1] = {static_cast<std::int32_t>(geometry_.frame_width),
                          static_cast<std::int32_t>(geometry_.frame_height), 1};
  region.dstSubresource = region.srcSubresource;
  region.dstOffsets[0] = {d.x, d.y, 0};
  region.dstOffsets[1] = {d.x + d.width, d.y + d.height, 1};
  vkCmdBlitImage(cmd, upload_->shown().handle(), VK_IMAGE_LAYOUT_GENERAL, target,
                 VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, 1, &region,
                 linear ? VK_FILTER_LINEAR : VK_FILTER_NEAREST);
  vk::image_barrier(cmd, target, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL,
                    VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL, VK_PIPELINE_STAGE_TRANSFER_BIT,
                    VK_ACCESS_TRANSFER_WRITE_BIT, VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT,
                    VK_ACCESS_COLOR_ATTACHMENT_READ_BIT | VK_ACCESS_COLOR_ATTACHMENT_WRITE_BIT);
  return true;
}

bool VulkanRenderer::blit_formats_ok(VkFormat source, bool linear) const {
  VkFormatProperties src{}, dst{};
  vkGetPhysicalDeviceFormatProperties(device_->physical, source, &src);
  vkGetPhysicalDeviceFormatProperties(device_->physical, pipelines_->format(), &dst);
  VkFormatFeatureFlags need = VK_FORMAT_FEATURE_BLIT_SRC_BIT;
  if (linear) need |= VK_FORMAT_FEATURE_SAMPLED_IMAGE_FILTER_LINEAR_BIT;
  return (src.optimalTilingFeatures & need) == need &&
         (dst.optimalTilingFeatures & VK_FORMAT_FEATURE_BLIT_DST_BIT) != 0;
}

void VulkanRenderer::record_cursor(VkCommandBuffer cmd, const DrawState& s) {
  if (!s.cursor_visible || cursor_width_ == 0) return;
  const double left = std::round(s.cursor_x), top = std::round(s.cursor_y);
  const double right = left + cursor_width_ * s.cursor_scale, bottom = top + cursor_height_ * s.cursor_scale;
  const auto nx = [&](double v) { return static_cast<float>(2.0 * v / s.window_width - 1.0); };
  const auto ny = [&](double v) { return static_cast<float>(2.0 * v / s.window_height - 1.0); };
  const float dest[4] = {nx(left), ny(top), nx(right), ny(bottom)};
  const int linear = std::abs(s.cursor_scale - std::round(s.cursor_scale)) < 1e-6 ? 0 : 1;
  vkCmdPushConstants(cmd, pipelines_->cursor_layout(), VK_SHADER_STAGE_VERTEX_BIT, 0, sizeof(dest), dest);
  vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, pipelines_->cursor_blend());
  vkCmdBindDescriptorSets(cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, pipelines_->cursor_layout(), 0, 1,
                          &cursor_blend_.sets[linear], 0, nullptr);
  vkCmdDraw(cmd, 4, 1, 0, 0);
  if (cursor_has_invert_) {
    vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, pipelines_->cursor_invert());
    vkCmdBindDescriptorSets(cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, pipelines_->cursor_layout(), 0, 1,
                            &cursor_invert_.sets[linear], 0, nullptr);
    vkCmdDraw(cmd, 4, 1, 0, 0);
  }
}

void VulkanRenderer::render(const DrawState& s) {
  if (s.window_width <= 0 || s.window_height <= 0) return;
  const auto width = static_cast<std::uint32_t>(s.window_width),
             height = static_cast<std::uint32_t>(s.window_height);
  if (s.overlay && !overlay_) start_overlay();
  {
    // Counted before the draw: a frame published after this is drawn next time (never skipped).
    std::lock_guard lock(state_mutex_);
    drawn_published_ = published_;
  }

  Slot& slot = slots_[next_slot_];
  next_slot_ = (next_slot_ + 1) % kFramesInFlight;
  vkWaitForFences(device_->device, 1, &slot.done, VK_TRUE, UINT64_MAX);

  VkFramebuffer framebuffer = VK_NULL_HANDLE;
  VkImage target = VK_NULL_HANDLE;
  bool target_blittable = false;
  VkExtent2D extent{width, height};
  std::uint32_t image_index = 0;
  if (window_) {
    if (auto ok = ensure_swapchain(width, height); !ok) {
      spdlog::debug("Vulkan swapchain: {}", ok.error().message);
      return;
    }
    const VkResult acquired = vkAcquireNextImageKHR(device_->device, swapchain_->handle(), UINT64_MAX,
                                                    slot.acquired, VK_NULL_HANDLE, &image_index);
    if (acquired == VK_ERROR_OUT_OF_DATE_KHR) {
      swap_stale_ = true;
      return;
    }
    if (acquired == VK_SUBOPTIMAL_KHR)
      swap_stale_ = true;  // draw this one, recreate for the next
    else if (acquired != VK_SUCCESS) {
      spdlog::error("{}", vk::failure("vkAcquireNextImageKHR", acquired).message);
      return;
    }
    framebuffer = swapchain_->framebuffer(image_index);
    target = swapchain_->image(image_index);
    target_blittable = swapchain_->transfer_dst();
    extent = swapchain_->extent();
  } else {
    if (!offscreen_ || offscreen_->image().width() != width || offscreen_->image().height() != height) {
      wait_idle();
      offscreen_.reset();
      auto made = vk::OffscreenTarget::create(*device_, pipelines_->readback_pass(), pipelines_->format(),
                                              width, height);
      if (!made) {
        spdlog::error("Vulkan offscreen target: {}", made.error().message);
        return;
      }
      offscreen_ = std::move(*made);
    }
    framebuffer = offscreen_->framebuffer();
    target = offscreen_->image().handle();
    target_blittable = true;
  }
  vkResetFences(device_->device, 1, &slot.done);

  VkCommandBuffer cmd = slot.cmd;
  vkResetCommandBuffer(cmd, 0);
  VkCommandBufferBeginInfo begin{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
  begin.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
  vkBeginCommandBuffer(cmd, &begin);

  std::unique_lock lock(state_mutex_);
  const bool blit = target_blittable && blit_frame(cmd, target, s.layout, extent);
  VkClearValue black{};
  black.color = {{0.0f, 0.0f, 0.0f, 1.0f}};
  VkRenderPassBeginInfo rp{VK_STRUCTURE_TYPE_RENDER_PASS_BEGIN_INFO};
  rp.renderPass = pipelines_->pass(window_ != nullptr, blit);
  rp.framebuffer = framebuffer;
  rp.renderArea = {{0, 0}, extent};
  rp.clearValueCount = 1;
  rp.pClearValues = &black;
  vkCmdBeginRenderPass(cmd, &rp, VK_SUBPASS_CONTENTS_INLINE);
  const VkViewport viewport{0.0f, 0.0f, static_cast<float>(width), static_cast<float>(height), 0.0f, 1.0f};
  const VkRect2D scissor{{0, 0}, extent};
  vkCmdSetViewport(cmd, 0, 1, &viewport);
  vkCmdSetScissor(cmd, 0, 1, &scissor);
  if (!blit) record_frame(cmd, s.layout, s.window_width, s.window_height);
  record_cursor(cmd, s);
  if (overlay_) overlay_->record(s.overlay, cmd);
  vkCmdEndRenderPass(cmd);
  vkEndCommandBuffer(cmd);

  VkSubmitInfo submit{VK_STRUCTURE_TYPE_SUBMIT_INFO};
  // The blit writes the swapchain image in the transfer stage, the passes in colour output.
  const VkPipelineStageFlags wait_stage =
      VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT;
  VkSemaphore rendered = VK_NULL_HANDLE;
  if (window_) {
    rendered = swapchain_->rendered(image_index);
    submit.waitSemaphoreCount = 1;
    submit.pWaitSemaphores = &slot.acquired;
    submit.pWaitDstStageMask = &wait_stage;
    submit.signalSemaphoreCount = 1;
    submit.pSignalSemaphores = &rendered;
  }
  submit.commandBufferCount = 1;
  submit.pCommandBuffers = &cmd;
  const VkResult submitted = device_->submit(submit, slot.done);
  // The trace follows a frame's first draw only (later draws of it are redraws).
  const bool traced = latency_trace::enabled() && has_frame_ && serial_ != traced_serial_;
  const std::uint32_t serial = serial_;
  lock.unlock();
  if (traced) {
    traced_serial_ = serial;
    latency_trace::mark(latency_trace::Stage::drawn, serial);
  }
  if (submitted != VK_SUCCESS) {
    spdlog::error("{}", vk::failure("vkQueueSubmit (render)", submitted).message);
    return;
  }
  if (!window_) {
    offscreen_drawn_ = true;
    return;
  }
  VkPresentInfoKHR present{VK_STRUCTURE_TYPE_PRESENT_INFO_KHR};
  present.waitSemaphoreCount = 1;
  present.pWaitSemaphores = &rendered;
  present.swapchainCount = 1;
  const VkSwapchainKHR swapchain = swapchain_->handle();
  present.pSwapchains = &swapchain;
  present.pImageIndices = &image_index;
  VkResult presented;
  {
    std::lock_guard queue_lock(device_->queue_mutex);
    presented = vkQueuePresentKHR(device_->queue, &present);
  }
  if (traced) latency_trace::mark(latency_trace::Stage::swapped, serial);
  if (presented == VK_ERROR_OUT_OF_DATE_KHR || presented == VK_SUBOPTIMAL_KHR)
    swap_stale_ = true;
  else if (presented != VK_SUCCESS)
    spdlog::error("{}", vk::failure("vkQueuePresentKHR", presented).message);
}

Result<std::vector<std::uint32_t>> VulkanRenderer::read_image(const vk::Image& image) {
  const VkDeviceSize bytes = VkDeviceSize{image.width()} * image.height() * 4;
  auto buffer =
      vk::Buffer::create(*device_, bytes, VK_BUFFER_USAGE_TRANSFER_DST_BIT,
                         VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT);
  if (!buffer) return buffer.error();
  auto done = run_once([&](VkCommandBuffer cmd) {
    VkBufferImageCopy copy{};
    copy.imageSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
    copy.imageExtent = {image.width(), image.height(), 1};
    vkCmdCopyImageToBuffer(cmd, image.handle(), VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL, buffer->handle(), 1,
                           &copy);
    VkMemoryBarrier host{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
    host.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
    host.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
    vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &host, 0,
                         nullptr, 0, nullptr);
  });
  if (!done) return done.error();
  std::vector<std::uint32_t> pixels(std::size_t{image.width()} * image.height());
  const auto* src = static_cast<const std::uint8_t*>(buffer->mapped());
  const bool bgra = image.format() == VK_FORMAT_B8G8R8A8_UNORM;
  for (std::size_t i = 0; i < pixels.size(); ++i) {
    const std::uint8_t* p = src + i * 4;
    const std::uint32_t r = bgra ? p[2] : p[0], g = p[1], b = bgra ? p[0] : p[2];
    pixels[i] = r << 16 | g << 8 | b;
  }
  return pixels;
}

Result<std::vector<std::uint32_t>> VulkanRenderer::read_target() {
  if (window_) return Error{"read_target: the renderer draws to a window"};
  if (!offscreen_ || !offscreen_drawn_) return Error{"read_target: nothing rendered yet"};
  return read_image(offscreen_->image());
}

Result<GuestImage> VulkanRenderer::read_guest_image() {
  std::unique_lock lock(state_mutex_);
  if (!has_frame_) return Error{"no guest image yet"};
  const std::uint32_t width = geometry_.image_width(), height = geometry_.image_height();
  auto target = vk::OffscreenTarget::create(*device_, pipelines_->readback_pass(), VK_FORMAT_B8G8R8A8_UNORM,
                                            width, height);
  if (!target) return target.error();
  Layout layout;
  layout.dest = {0, 0, static_cast<int>(width), static_cast<int>(height)};
  layout.filter = FilterMode::nearest;
  // The guest image at 1:1, nearest: the frame pass alone into an image of its size.
  auto drawn = run_once([&](VkCommandBuffer cmd) {
    VkClearValue black{};
    black.color = {{0.0f, 0.0f, 0.0f, 1.0f}};
    VkRenderPassBeginInfo rp{VK_STRUCTURE_TYPE_RENDER_PASS_BEGIN_INFO};
    rp.renderPass = pipelines_->readback_pass();
    rp.framebuffer = (*target)->framebuffer();
    rp.renderArea = {{0, 0}, {width, height}};
    rp.clearValueCount = 1;
    rp.pClearValues = &black;
    vkCmdBeginRenderPass(cmd, &rp, VK_SUBPASS_CONTENTS_INLINE);
    const VkViewport viewport{0.0f, 0.0f, static_cast<float>(width), static_cast<float>(height), 0.0f, 1.0f};
    const VkRect2D scissor{{0, 0}, {width, height}};
    vkCmdSetViewport(cmd, 0, 1, &viewport);
    vkCmdSetScissor(cmd, 0, 1, &scissor);
    record_frame(cmd, layout, static_cast<int>(width), static_cast<int>(height));
    vkCmdEndRenderPass(cmd);
  });
  lock.unlock();
  if (!drawn) return drawn.error();
  auto pixels = read_image((*target)->image());
  if (!pixels) return pixels.error();
  GuestImage out;
  out.width = width;
  out.height = height;
  out.rgb.resize(pixels->size() * 3);
  for (std::size_t i = 0; i < pixels->size(); ++i) {
    out.rgb[i * 3] = static_cast<std::uint8_t>((*pixels)[i] >> 16);
    out.rgb[i * 3 + 1] = static_cast<std::uint8_t>((*pixels)[i] >> 8);
    out.rgb[i * 3 + 2] = static_cast<std::uint8_t>((*pixels)[i]);
  }
  return out;
}

}  // namespace kagami::client
