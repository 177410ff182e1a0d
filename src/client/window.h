#pragma once
// The client window (SDL2, X11 or Wayland). Owns SDL's video subsystem; used from the thread that
// created it (the event thread, which also pumps SDL's events). The display's draw thread only
// presents into it through the renderer (SDL_GL_SwapWindow / the Vulkan swapchain). The graphics
// context (EGL/GL or the Vulkan surface) belongs to the renderer (renderer.h), which is created
// for the window by renderer_factory.
#include <SDL2/SDL.h>

#include <cstdint>
#include <memory>
#include <string>

#include "common/result.h"

namespace kagami::client {

enum class WindowGraphics { opengl, vulkan };  // SDL_WINDOW_OPENGL (EGL, GLES 3) / SDL_WINDOW_VULKAN

struct WindowSettings {
  std::string title = "kagami";
  std::uint32_t width = 1280, height = 720;
  int x = -1, y = -1;  // -1: centred
  bool fullscreen = false;
  bool borderless = false;
  WindowGraphics graphics = WindowGraphics::opengl;
};

class Window {
 public:
  // Fails with a clear message when there is no display to show a window on (DISPLAY and
  // WAYLAND_DISPLAY unset or unreachable); SDL's headless drivers only when SDL_VIDEODRIVER asks.
  static Result<std::unique_ptr<Window>> create(const WindowSettings& settings);
  ~Window();
  Window(const Window&) = delete;
  Window& operator=(const Window&) = delete;

  SDL_Window* sdl() const { return window_; }
  WindowGraphics graphics() const { return graphics_; }

  void set_fullscreen(bool on);
  bool fullscreen() const { return fullscreen_; }
  // Resizes the window so that its drawable area is width x height (ignored in full screen).
  void resize_to(std::uint32_t width, std::uint32_t height);
  void set_title(const std::string& title);
  // Asks the window manager for the user's attention (urgency hint / task bar flash) without
  // taking focus; false where SDL cannot.
  bool request_attention();

 private:
  Window(SDL_Window* window, WindowGraphics graphics) : window_(window), graphics_(graphics) {}
  SDL_Window* window_ = nullptr;
  WindowGraphics graphics_;
  bool fullscreen_ = false;
};

}  // namespace kagami::client
