#include "client/vulkan/render_targets.h"

#include <algorithm>

#include "client/vulkan/vk_util.h"

namespace kagami::client::vk {
namespace {

Result<VkFramebuffer> make_framebuffer(VkDevice device, VkRenderPass pass, VkImageView view,
                                       std::uint32_t width, std::uint32_t height) {
  VkFramebufferCreateInfo info{VK_STRUCTURE_TYPE_FRAMEBUFFER_CREATE_INFO};
  info.renderPass = pass;
  info.attachmentCount = 1;
  info.pAttachments = &view;
  info.width = width;
  info.height = height;
  info.layers = 1;
  VkFramebuffer framebuffer = VK_NULL_HANDLE;
  if (VkResult r = vkCreateFramebuffer(device, &info, nullptr, &framebuffer); r != VK_SUCCESS)
    return failure("vkCreateFramebuffer", r);
  return framebuffer;
}

}  // namespace

const char* present_mode_name(VkPresentModeKHR mode) {
  switch (mode) {
    case VK_PRESENT_MODE_IMMEDIATE_KHR:
      return "immediate";
    case VK_PRESENT_MODE_MAILBOX_KHR:
      return "mailbox";
    case VK_PRESENT_MODE_FIFO_KHR:
      return "fifo";
    case VK_PRESENT_MODE_FIFO_RELAXED_KHR:
      return "fifo-relaxed";
    default:
      return "other";
  }
}

Result<std::unique_ptr<OffscreenTarget>> OffscreenTarget::create(Device& device, VkRenderPass pass,
                                                                 VkFormat format, std::uint32_t width,
                                                                 std::uint32_t height) {
  std::unique_ptr<OffscreenTarget> t(new OffscreenTarget(device));
  auto image = Image::create(device, width, height, format,
                             VK_IMAGE_USAGE_COLOR_ATTACHMENT_BIT | VK_IMAGE_USAGE_TRANSFER_SRC_BIT |
                                 VK_IMAGE_USAGE_TRANSFER_DST_BIT);
  if (!image) return image.error();
  t->image_ = std::move(*image);
  auto framebuffer = make_framebuffer(device.device, pass, t->image_.view(), width, height);
  if (!framebuffer) return framebuffer.error();
  t->framebuffer_ = *framebuffer;
  return t;
}

OffscreenTarget::~OffscreenTarget() {
  if (framebuffer_) vkDestroyFramebuffer(device_.device, framebuffer_, nullptr);
}

Result<VkSurfaceFormatKHR> Swapchain::choose_format(Device& device) {
  std::uint32_t count = 0;
  vkGetPhysicalDeviceSurfaceFormatsKHR(device.physical, device.surface, &count, nullptr);
  std::vector<VkSurfaceFormatKHR> formats(count);
  vkGetPhysicalDeviceSurfaceFormatsKHR(device.physical, device.surface, &count, formats.data());
  if (formats.empty()) return Error{"the Vulkan surface offers no formats"};
  for (VkFormat wanted : {VK_FORMAT_B8G8R8A8_UNORM, VK_FORMAT_R8G8B8A8_UNORM}) {
    for (const VkSurfaceFormatKHR& f : formats) {
      if (f.format == wanted && f.colorSpace == VK_COLOR_SPACE_SRGB_NONLINEAR_KHR) return f;
    }
  }
  return Error{"the Vulkan surface offers no 8-bit UNORM BGRA/RGBA format"};
}

Result<std::unique_ptr<Swapchain>> Swapchain::create(Device& device, VkRenderPass pass,
                                                     VkSurfaceFormatKHR format, std::uint32_t width,
                                                     std::uint32_t height, bool vsync, VkSwapchainKHR old) {
  std::unique_ptr<Swapchain> s(new Swapchain(device));
  VkSurfaceCapabilitiesKHR caps;
  if (VkResult r = vkGetPhysicalDeviceSurfaceCapabilitiesKHR(device.physical, device.surface, &caps);
      r != VK_SUCCESS)
    return failure("vkGetPhysicalDeviceSurfaceCapabilitiesKHR", r);
  VkExtent2D extent = caps.currentExtent;
  if (extent.width == 0xFFFFFFFFu) {
    extent.width = std::clamp(width, caps.minImageExtent.width, caps.maxImageExtent.width);
    extent.height = std::clamp(height, caps.minImageExtent.height, caps.maxImageExtent.height);
  }
  if (extent.width == 0 || extent.height == 0) return Error{"the window has no area (minimised)"};

  std::uint32_t count = 0;
  vkGetPhysicalDeviceSurfacePresentModesKHR(device.physical, device.surface, &count, nullptr);
  std::vector<VkPresentModeKHR> modes(count);
  vkGetPhysicalDeviceSurfacePresentModesKHR(device.physical, device.surface, &count, modes.data());
  s->mode_ = VK_PRESENT_MODE_FIFO_KHR;  // always available
  if (!vsync) {
    for (VkPresentModeKHR wanted : {VK_PRESENT_MODE_MAILBOX_KHR, VK_PRESENT_MODE_IMMEDIATE_KHR}) {
      if (std::find(modes.begin(), modes.end(), wanted) != modes.end()) {
        s->mode_ = wanted;
        break;
      }
    }
  }
  s->vsync_ = vsync;

  std::uint32_t images = caps.minImageCount + 1;
  if (caps.maxImageCount != 0) images = std::min(images, caps.maxImageCount);
  VkSwapchainCreateInfoKHR info{VK_STRUCTURE_TYPE_SWAPCHAIN_CREATE_INFO_KHR};
  info.surface = device.surface;
  info.minImageCount = images;
  info.imageFormat = format.format;
  info.imageColorSpace = format.colorSpace;
  info.imageExtent = extent;
  info.imageArrayLayers = 1;
  // Blitting the frame into the image needs TRANSFER_DST (nearly universal, but optional).
  s->transfer_dst_ = (caps.supportedUsageFlags & VK_IMAGE_USAGE_TRANSFER_DST_BIT) != 0;
  info.imageUsage =
      VK_IMAGE_USAGE_COLOR_ATTACHMENT_BIT | (s->transfer_dst_ ? VK_IMAGE_USAGE_TRANSFER_DST_BIT : 0);
  info.imageSharingMode = VK_SHARING_MODE_EXCLUSIVE;
  info.preTransform = (caps.supportedTransforms & VK_SURFACE_TRANSFORM_IDENTITY_BIT_KHR)
                          ? VK_SURFACE_TRANSFORM_IDENTITY_BIT_KHR
                          : caps.currentTransform;
  info.compositeAlpha = VK_COMPOSITE_ALPHA_OPAQUE_BIT_KHR;
  for (VkCompositeAlphaFlagBitsKHR alpha :
       {VK_COMPOSITE_ALPHA_OPAQUE_BIT_KHR, VK_COMPOSITE_ALPHA_INHERIT_BIT_KHR,
        VK_COMPOSITE_ALPHA_PRE_MULTIPLIED_BIT_KHR, VK_COMPOSITE_ALPHA_POST_MULTIPLIED_BIT_KHR}) {
    if (caps.supportedCompositeAlpha & alpha) {
      info.compositeAlpha = alpha;
      break;
    }
  }
  info.presentMode = s->mode_;
  info.clipped = VK_TRUE;
  info.oldSwapchain = old;
  if (VkResult r = vkCreateSwapchainKHR(device.device, &info, nullptr, &s->swapchain_); r != VK_SUCCESS)
    return failure("vkCreateSwapchainKHR", r);
  s->extent_ = extent;

  vkGetSwapchainImagesKHR(device.device, s->swapchain_, &count, nullptr);
  std::vector<VkImage> swap_images(count);
  vkGetSwapchainImagesKHR(device.device, s->swapchain_, &count, swap_images.data());
  s->images_ = swap_images;
  for (VkImage image : swap_images) {
    VkImageViewCreateInfo view{VK_STRUCTURE_TYPE_IMAGE_VIEW_CREATE_INFO};
    view.image = image;
    view.viewType = VK_IMAGE_VIEW_TYPE_2D;
    view.format = format.format;
    view.subresourceRange = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1};
    VkImageView v = VK_NULL_HANDLE;
    if (VkResult r = vkCreateImageView(device.device, &view, nullptr, &v); r != VK_SUCCESS)
      return failure("vkCreateImageView (swapchain)", r);
    s->views_.push_back(v);
    auto framebuffer = make_framebuffer(device.device, pass, v, extent.width, extent.height);
    if (!framebuffer) return framebuffer.error();
    s->framebuffers_.push_back(*framebuffer);
    VkSemaphoreCreateInfo sem{VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO};
    VkSemaphore done = VK_NULL_HANDLE;
    if (VkResult r = vkCreateSemaphore(device.device, &sem, nullptr, &done); r != VK_SUCCESS)
      return failure("vkCreateSemaphore", r);
    s->rendered_.push_back(done);
  }
  return s;
}

Swapchain::~Swapchain() {
  VkDevice dev = device_.device;
  for (VkSemaphore s : rendered_) vkDestroySemaphore(dev, s, nullptr);
  for (VkFramebuffer f : framebuffers_) vkDestroyFramebuffer(dev, f, nullptr);
  for (VkImageView v : views_) vkDestroyImageView(dev, v, nullptr);
  if (swapchain_) vkDestroySwapchainKHR(dev, swapchain_, nullptr);
}

}  // namespace kagami::client::vk
