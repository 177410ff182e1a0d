#include "client/window.h"

#include <EGL/egl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace kagami::client {

Result<std::unique_ptr<Window>> Window::create(const WindowSettings& s) {
  // EGL on X11 too (SDL defaults to GLX there): the same path as Wayland, and what Mesa's
  // GLES drivers are tested with.
  SDL_SetHint(SDL_HINT_VIDEO_X11_FORCE_EGL, "1");
  SDL_SetHint(SDL_HINT_OPENGL_ES_DRIVER, "1");
  // The guest's screen saver flag decides; the client must not block it by itself.
  SDL_SetHint(SDL_HINT_VIDEO_ALLOW_SCREENSAVER, "1");
  // A compositor's bypass helps latency on X11.
  SDL_SetHint(SDL_HINT_VIDEO_X11_NET_WM_BYPASS_COMPOSITOR, "1");
  if (SDL_InitSubSystem(SDL_INIT_VIDEO | SDL_INIT_EVENTS) != 0) {
    return Error{
        fmt::format("cannot start SDL video: {} (is DISPLAY or WAYLAND_DISPLAY set?)", SDL_GetError())};
  }
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_PROFILE_MASK, SDL_GL_CONTEXT_PROFILE_ES);
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_MAJOR_VERSION, 3);
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_MINOR_VERSION, 0);
  SDL_GL_SetAttribute(SDL_GL_DOUBLEBUFFER, 1);
  SDL_GL_SetAttribute(SDL_GL_RED_SIZE, 8);
  SDL_GL_SetAttribute(SDL_GL_GREEN_SIZE, 8);
  SDL_GL_SetAttribute(SDL_GL_BLUE_SIZE, 8);
  SDL_GL_SetAttribute(SDL_GL_DEPTH_SIZE, 0);
  SDL_GL_SetAttribute(SDL_GL_MULTISAMPLEBUFFERS, 0);  // no multisampling: a 2D blit does not need it

  Uint32 flags = SDL_WINDOW_OPENGL | SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI;
  if (s.borderless) flags |= SDL_WINDOW_BORDERLESS;
  if (s.fullscreen) flags |= SDL_WINDOW_FULLSCREEN_DESKTOP;
  const int x = s.x < 0 ? SDL_WINDOWPOS_CENTERED : s.x;
  const int y = s.y < 0 ? SDL_WINDOWPOS_CENTERED : s.y;
  SDL_Window* window =
      SDL_CreateWindow(s.title.c_str(), x, y, static_cast<int>(s.width), static_cast<int>(s.height), flags);
  if (!window) {
    SDL_QuitSubSystem(SDL_INIT_VIDEO | SDL_INIT_EVENTS);
    return Error{fmt::format("cannot open the window: {}", SDL_GetError())};
  }
  SDL_GLContext context = SDL_GL_CreateContext(window);
  if (!context) {
    std::string why = SDL_GetError();
    SDL_DestroyWindow(window);
    SDL_QuitSubSystem(SDL_INIT_VIDEO | SDL_INIT_EVENTS);
    return Error{fmt::format(
        "cannot create an OpenGL ES 3 context: {} (install Mesa: libgl1-mesa-dri, libegl-mesa0)", why)};
  }
  std::unique_ptr<Window> result(new Window(window, context));
  result->fullscreen_ = s.fullscreen;
  result->set_vsync(s.vsync);
  return result;
}

Window::~Window() {
  SDL_GL_DeleteContext(context_);
  SDL_DestroyWindow(window_);
  SDL_QuitSubSystem(SDL_INIT_VIDEO | SDL_INIT_EVENTS);
}

void Window::drawable_size(int& width, int& height) const {
  // The GL surface's own size: SDL's idea of the window size runs ahead of it while the window
  // system is still resizing (and stays wrong where a request is ignored, e.g. full screen
  // without a window manager), and drawing for the wrong size puts the image off-centre.
  EGLDisplay display = eglGetCurrentDisplay();
  EGLSurface surface = eglGetCurrentSurface(EGL_DRAW);
  EGLint w = 0, h = 0;
  if (display != EGL_NO_DISPLAY && surface != EGL_NO_SURFACE &&
      eglQuerySurface(display, surface, EGL_WIDTH, &w) && eglQuerySurface(display, surface, EGL_HEIGHT, &h) &&
      w > 0 && h > 0) {
    width = w;
    height = h;
    return;
  }
  SDL_GL_GetDrawableSize(window_, &width, &height);
}

void Window::present() { SDL_GL_SwapWindow(window_); }

void Window::set_vsync(bool on) {
  if (SDL_GL_SetSwapInterval(on ? 1 : 0) != 0) {
    spdlog::warn("cannot turn vsync {}: {}", on ? "on" : "off", SDL_GetError());
  }
  vsync_ = on;
}

void Window::set_fullscreen(bool on) {
  if (SDL_SetWindowFullscreen(window_, on ? SDL_WINDOW_FULLSCREEN_DESKTOP : 0) != 0) {
    spdlog::warn("cannot switch full screen {}: {}", on ? "on" : "off", SDL_GetError());
    return;
  }
  fullscreen_ = on;
}

void Window::resize_to(std::uint32_t width, std::uint32_t height) {
  if (fullscreen_) return;
  int window_w = 0, window_h = 0, drawable_w = 0, drawable_h = 0;
  SDL_GetWindowSize(window_, &window_w, &window_h);
  SDL_GL_GetDrawableSize(window_, &drawable_w, &drawable_h);
  // HiDPI: the window size is in points, the drawable in pixels.
  const double sx = drawable_w > 0 ? static_cast<double>(window_w) / drawable_w : 1.0;
  const double sy = drawable_h > 0 ? static_cast<double>(window_h) / drawable_h : 1.0;
  SDL_SetWindowSize(window_, static_cast<int>(width * sx + 0.5), static_cast<int>(height * sy + 0.5));
}

void Window::set_title(const std::string& title) { SDL_SetWindowTitle(window_, title.c_str()); }

}  // namespace kagami::client
