#include "client/window.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <cstring>

namespace kagami::client {
namespace {

// SDL falls back to its invisible "offscreen" (or "dummy") driver when no display answers: the
// client would run with no window and no error. Those drivers are for benchmarks and tests, and
// only when the user names one in SDL_VIDEODRIVER.
Result<void> check_video_driver() {
  const char* driver = SDL_GetCurrentVideoDriver();
  const char* requested = std::getenv("SDL_VIDEODRIVER");
  if (!driver) return Error{"SDL started no video driver"};
  if (requested && *requested) return {};  // the user chose it
  for (const char* real : {"x11", "wayland", "kmsdrm"}) {
    if (std::strcmp(driver, real) == 0) return {};
  }
  const char* display = std::getenv("DISPLAY");
  const char* wayland = std::getenv("WAYLAND_DISPLAY");
  return Error{fmt::format(
      "no display to show the window on: {} (SDL found only its invisible '{}' driver). Run "
      "kagami-client inside your desktop session, or set SDL_VIDEODRIVER=offscreen to run headless "
      "on purpose.",
      display || wayland ? fmt::format("DISPLAY={} WAYLAND_DISPLAY={} do not answer",
                                       display ? display : "(unset)", wayland ? wayland : "(unset)")
                         : std::string("DISPLAY and WAYLAND_DISPLAY are not set"),
      driver)};
}

void set_gl_attributes() {
  // After SDL_InitSubSystem (before it they are ignored) and before the window: on X11 the
  // attributes choose the window's visual.
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_PROFILE_MASK, SDL_GL_CONTEXT_PROFILE_ES);
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_MAJOR_VERSION, 3);
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_MINOR_VERSION, 0);
  SDL_GL_SetAttribute(SDL_GL_DOUBLEBUFFER, 1);
  SDL_GL_SetAttribute(SDL_GL_RED_SIZE, 8);
  SDL_GL_SetAttribute(SDL_GL_GREEN_SIZE, 8);
  SDL_GL_SetAttribute(SDL_GL_BLUE_SIZE, 8);
  SDL_GL_SetAttribute(SDL_GL_DEPTH_SIZE, 0);
  SDL_GL_SetAttribute(SDL_GL_MULTISAMPLEBUFFERS, 0);  // no multisampling: a 2D blit does not need it
}

}  // namespace

Result<std::unique_ptr<Window>> Window::create(const WindowSettings& s) {
  // The guest's screen saver flag decides; the client must not block it by itself.
  SDL_SetHint(SDL_HINT_VIDEO_ALLOW_SCREENSAVER, "1");
  // A compositor's bypass helps latency on X11.
  SDL_SetHint(SDL_HINT_VIDEO_X11_NET_WM_BYPASS_COMPOSITOR, "1");
  // GLX on X11 (SDL's default; Wayland is EGL anyway): Mesa's software rasteriser presents
  // through MIT-SHM under GLX but through the X socket under EGL, which cost 1080p p50 latency
  // 7.0-7.3 vs 4.9-5.0 ms and 33-37 vs 19-21 % CPU at 60 fps (client_e2e_bench, docs/client.md).
  if (SDL_InitSubSystem(SDL_INIT_VIDEO | SDL_INIT_EVENTS) != 0) {
    return Error{
        fmt::format("cannot start SDL video: {} (is DISPLAY or WAYLAND_DISPLAY set?)", SDL_GetError())};
  }
  if (auto ok = check_video_driver(); !ok) {
    SDL_QuitSubSystem(SDL_INIT_VIDEO | SDL_INIT_EVENTS);
    return ok.error();
  }
  if (s.graphics == WindowGraphics::opengl) set_gl_attributes();

  Uint32 flags = SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI;
  flags |= s.graphics == WindowGraphics::vulkan ? SDL_WINDOW_VULKAN : SDL_WINDOW_OPENGL;
  if (s.borderless) flags |= SDL_WINDOW_BORDERLESS;
  if (s.fullscreen) flags |= SDL_WINDOW_FULLSCREEN_DESKTOP;
  const int x = s.x < 0 ? SDL_WINDOWPOS_CENTERED : s.x;
  const int y = s.y < 0 ? SDL_WINDOWPOS_CENTERED : s.y;
  SDL_Window* window =
      SDL_CreateWindow(s.title.c_str(), x, y, static_cast<int>(s.width), static_cast<int>(s.height), flags);
  if (!window) {
    std::string why = SDL_GetError();
    SDL_QuitSubSystem(SDL_INIT_VIDEO | SDL_INIT_EVENTS);
    return Error{fmt::format("cannot open the window: {}", why)};
  }
  std::unique_ptr<Window> result(new Window(window, s.graphics));
  result->fullscreen_ = s.fullscreen;
  return result;
}

Window::~Window() {
  SDL_DestroyWindow(window_);
  SDL_QuitSubSystem(SDL_INIT_VIDEO | SDL_INIT_EVENTS);
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
  SDL_GetWindowSizeInPixels(window_, &drawable_w, &drawable_h);
  // HiDPI: the window size is in points, the drawable in pixels.
  const double sx = drawable_w > 0 ? static_cast<double>(window_w) / drawable_w : 1.0;
  const double sy = drawable_h > 0 ? static_cast<double>(window_h) / drawable_h : 1.0;
  SDL_SetWindowSize(window_, static_cast<int>(width * sx + 0.5), static_cast<int>(height * sy + 0.5));
}

void Window::set_title(const std::string& title) { SDL_SetWindowTitle(window_, title.c_str()); }

bool Window::request_attention() {
  // SDL >= 2.0.16: the X11 urgency hint / Wayland xdg-activation request / a task bar flash,
  // until the user focuses the window. Never SDL_RaiseWindow: that takes the keyboard focus, and
  // with it the user's keystrokes would go to the guest.
  return SDL_FlashWindow(window_, SDL_FLASH_UNTIL_FOCUSED) == 0;
}

}  // namespace kagami::client
