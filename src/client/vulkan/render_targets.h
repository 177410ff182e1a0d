#pragma once
// Where the render thread draws: an offscreen image (tests, the headless benchmark, screenshots)
// or the window's swapchain. Both hand out framebuffers for Pipelines' render passes.
#include <vulkan/vulkan.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "client/vulkan/vk_resources.h"

namespace kagami::client::vk {

// An image the readback render pass draws into; it ends each pass in TRANSFER_SRC_OPTIMAL.
class OffscreenTarget {
 public:
  static Result<std::unique_ptr<OffscreenTarget>> create(Device& device, VkRenderPass pass, VkFormat format,
                                                         std::uint32_t width, std::uint32_t height);
  ~OffscreenTarget();
  OffscreenTarget(const OffscreenTarget&) = delete;
  OffscreenTarget& operator=(const OffscreenTarget&) = delete;

  const Image& image() const { return image_; }
  VkFramebuffer framebuffer() const { return framebuffer_; }

 private:
  explicit OffscreenTarget(Device& device) : device_(device) {}
  Device& device_;
  Image image_;
  VkFramebuffer framebuffer_ = VK_NULL_HANDLE;
};

// The surface's swapchain with a framebuffer and a "rendering done" semaphore per image.
// Present modes: FIFO with vsync; otherwise MAILBOX, else IMMEDIATE (lowest latency), else FIFO.
class Swapchain {
 public:
  // The surface format to render in: 8-bit UNORM BGRA or RGBA (the shaders encode sRGB themselves).
  static Result<VkSurfaceFormatKHR> choose_format(Device& device);
  // width/height: the drawable size, used when the surface does not dictate one. `old` is
  // retired by the new swapchain (pass the previous one when recreating).
  static Result<std::unique_ptr<Swapchain>> create(Device& device, VkRenderPass pass,
                                                   VkSurfaceFormatKHR format, std::uint32_t width,
                                                   std::uint32_t height, bool vsync, VkSwapchainKHR old);
  ~Swapchain();
  Swapchain(const Swapchain&) = delete;
  Swapchain& operator=(const Swapchain&) = delete;

  VkSwapchainKHR handle() const { return swapchain_; }
  VkExtent2D extent() const { return extent_; }
  VkPresentModeKHR present_mode() const { return mode_; }
  bool vsync() const { return vsync_; }
  std::size_t image_count() const { return framebuffers_.size(); }
  VkFramebuffer framebuffer(std::uint32_t index) const { return framebuffers_[index]; }
  VkImage image(std::uint32_t index) const { return images_[index]; }
  bool transfer_dst() const { return transfer_dst_; }  // images can be blitted into
  VkSemaphore rendered(std::uint32_t index) const { return rendered_[index]; }

 private:
  explicit Swapchain(Device& device) : device_(device) {}
  Device& device_;
  VkSwapchainKHR swapchain_ = VK_NULL_HANDLE;
  VkExtent2D extent_{};
  VkPresentModeKHR mode_ = VK_PRESENT_MODE_FIFO_KHR;
  bool vsync_ = false;
  bool transfer_dst_ = false;
  std::vector<VkImage> images_;
  std::vector<VkImageView> views_;
  std::vector<VkFramebuffer> framebuffers_;
  std::vector<VkSemaphore> rendered_;
};

const char* present_mode_name(VkPresentModeKHR mode);

}  // namespace kagami::client::vk
