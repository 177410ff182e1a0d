#include "client/renderer_factory.h"

#include <fmt/format.h>

namespace kagami::client {

const char* to_string(RendererKind kind) {
  switch (kind) {
    case RendererKind::automatic:
      return "auto";
    case RendererKind::vulkan:
      return "vulkan";
    case RendererKind::gles:
      return "gles";
  }
  return "?";
}

Result<RendererKind> parse_renderer_kind(const std::string& name) {
  if (name == "auto") return RendererKind::automatic;
  if (name == "vulkan") return RendererKind::vulkan;
  if (name == "gles") return RendererKind::gles;
  return Error{fmt::format("unknown renderer '{}': use auto, vulkan or gles", name)};
}

#ifndef KAGAMI_HAVE_VULKAN
// This build has no Vulkan backend (src/client/vulkan/ defines the real one).
Result<std::unique_ptr<Renderer>> create_vulkan_renderer(SDL_Window*, const RendererSettings&) {
  return Error{"this kagami-client was built without the Vulkan backend"};
}
#endif

namespace {

Result<RendererChoice> create_with(WindowGraphics graphics, const WindowSettings& ws,
                                   const RendererSettings& settings) {
  WindowSettings s = ws;
  s.graphics = graphics;
  auto window = Window::create(s);
  if (!window) return window.error();
  auto renderer = graphics == WindowGraphics::vulkan ? create_vulkan_renderer((*window)->sdl(), settings)
                                                     : create_gles_renderer((*window)->sdl(), settings);
  if (!renderer) return renderer.error();
  RendererChoice choice;
  choice.window = std::move(*window);
  choice.renderer = std::move(*renderer);
  return choice;
}

}  // namespace

Result<RendererChoice> create_renderer(RendererKind kind, const WindowSettings& ws,
                                       const RendererSettings& settings) {
  if (kind == RendererKind::gles) {
    auto choice = create_with(WindowGraphics::opengl, ws, settings);
    if (choice) choice->reason = "gles (--renderer gles)";
    return choice;
  }
  auto vulkan = create_with(WindowGraphics::vulkan, ws, settings);
  if (vulkan && kind == RendererKind::automatic && vulkan->renderer->software()) {
    // A software Vulkan device (lavapipe) loses to GLES on the same CPU end to end: Mesa 22.3's
    // Vulkan X11 presentation for software devices took 3.4-3.6 ms per 1080p frame against
    // 0.9-1.1 ms for the GLX swap; p50 latency 8.7 vs 4.9-5.0 ms, CPU at 60 fps 26-28 vs 19-21 %
    // (client_e2e_bench's stage table, docs/client.md). Use GLES when it works, else Vulkan.
    vulkan = Error{"its Vulkan device is a software rasteriser, which presents slower than GLES"};
    auto gles = create_with(WindowGraphics::opengl, ws, settings);
    if (gles) {
      gles->reason = fmt::format("gles (auto: {})", vulkan.error().message);
      return gles;
    }
    vulkan = create_with(WindowGraphics::vulkan, ws, settings);
  }
  if (vulkan) {
    vulkan->reason =
        kind == RendererKind::vulkan ? "vulkan (--renderer vulkan)" : "vulkan (auto: Vulkan works here)";
    return vulkan;
  }
  if (kind == RendererKind::vulkan) return Error{"--renderer vulkan: " + vulkan.error().message};
  // The window itself failing (no display) is not a Vulkan problem: say that, not "using gles".
  auto gles = create_with(WindowGraphics::opengl, ws, settings);
  if (!gles) return gles.error();
  gles->reason = fmt::format("gles (auto: {})", vulkan.error().message);
  return gles;
}

}  // namespace kagami::client
