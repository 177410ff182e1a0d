#pragma once
// Choosing and creating the graphics backend: `--renderer auto|vulkan|gles`. The window is made
// for the backend (SDL_WINDOW_VULKAN or SDL_WINDOW_OPENGL), so the factory creates both.
//
// Where the Vulkan backend plugs in: src/client/vulkan/ defines create_vulkan_renderer() (declared
// below) and its CMakeLists.txt sets KAGAMI_HAVE_VULKAN on kagami_client; without it, "vulkan"
// reports that this build has no Vulkan backend and "auto" takes GLES.
#include <SDL2/SDL.h>

#include <functional>
#include <memory>
#include <string>

#include "client/renderer.h"
#include "client/window.h"
#include "common/result.h"

namespace kagami::client {

enum class RendererKind { automatic, vulkan, gles };
const char* to_string(RendererKind kind);
Result<RendererKind> parse_renderer_kind(const std::string& name);

struct RendererSettings {
  bool vsync = false;
  // Asks the draw thread to call render() soon (thread-safe; wakes it). A backend
  // whose upload() needs the draw thread (e.g. to grow its staging ring) calls it.
  std::function<void()> wake;
};

// The Vulkan backend's entry point (src/client/vulkan/). `window` was created with
// SDL_WINDOW_VULKAN; an error says why Vulkan cannot be used here ("no Vulkan driver", ...).
Result<std::unique_ptr<Renderer>> create_vulkan_renderer(SDL_Window* window,
                                                         const RendererSettings& settings);

// The GLES 3 backend (gles/gles_renderer.cpp); `window` was created with SDL_WINDOW_OPENGL.
Result<std::unique_ptr<Renderer>> create_gles_renderer(SDL_Window* window, const RendererSettings& settings);

struct RendererChoice {
  std::unique_ptr<Window> window;
  std::unique_ptr<Renderer> renderer;
  // Why this backend, for the log and the statistics overlay, e.g. "auto: vulkan failed (no
  // Vulkan driver), using gles".
  std::string reason;
};

// auto: Vulkan when this build has it and it starts, else GLES. An explicit choice that fails
// is an error (no silent fallback when the user asked for one backend).
Result<RendererChoice> create_renderer(RendererKind kind, const WindowSettings& window,
                                       const RendererSettings& settings);

}  // namespace kagami::client
