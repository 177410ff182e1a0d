// The Vulkan backend's entry point for renderer_factory (`--renderer vulkan`, and `auto`).
#include "client/renderer_factory.h"
#include "client/vulkan/vulkan_renderer.h"

namespace kagami::client {

Result<std::unique_ptr<Renderer>> create_vulkan_renderer(SDL_Window* window,
                                                         const RendererSettings& settings) {
  VulkanSettings vulkan;
  vulkan.window = window;
  vulkan.vsync = settings.vsync;
  // upload() never needs the render thread, so settings.wake is not used.
  auto renderer = VulkanRenderer::create(vulkan);
  if (!renderer) return renderer.error();
  return std::unique_ptr<Renderer>(std::move(*renderer));
}

}  // namespace kagami::client
