#pragma once
// The client window and its GL ES 3 context (SDL2, EGL on X11 and Wayland). Owns SDL's video
// subsystem; one per process, used from the thread that created it.
#include <SDL2/SDL.h>

#include <cstdint>
#include <memory>
#include <string>

#include "common/result.h"

namespace kagami::client {

struct WindowSettings {
  std::string title = "kagami";
  std::uint32_t width = 1280, height = 720;
  int x = -1, y = -1;  // -1: centred
  bool fullscreen = false;
  bool borderless = false;
  bool vsync = false;
};

class Window {
 public:
  static Result<std::unique_ptr<Window>> create(const WindowSettings& settings);
  ~Window();
  Window(const Window&) = delete;
  Window& operator=(const Window&) = delete;

  SDL_Window* sdl() const { return window_; }
  SDL_GLContext gl_context() const { return context_; }
  // Drawable size in pixels (differs from the window size on HiDPI).
  void drawable_size(int& width, int& height) const;
  void present();

  void set_vsync(bool on);
  bool vsync() const { return vsync_; }
  void set_fullscreen(bool on);
  bool fullscreen() const { return fullscreen_; }
  // Resizes the window so that its drawable area is width x height (ignored in full screen).
  void resize_to(std::uint32_t width, std::uint32_t height);
  void set_title(const std::string& title);

 private:
  Window(SDL_Window* window, SDL_GLContext context) : window_(window), context_(context) {}
  SDL_Window* window_ = nullptr;
  SDL_GLContext context_ = nullptr;
  bool vsync_ = false;
  bool fullscreen_ = false;
};

}  // namespace kagami::client
