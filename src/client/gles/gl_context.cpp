#include "client/gles/gl_context.h"

#include <EGL/egl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <cstring>

namespace kagami::client {
namespace {

// The current GLX drawable's size when SDL's context is GLX's: the functions come through
// SDL_GL_GetProcAddress, so the client links no GLX library. False when not GLX.
bool current_glx_drawable_size(int& width, int& height) {
  using GetDisplay = void* (*)();
  using GetDrawable = unsigned long (*)();
  static const auto get_display = reinterpret_cast<GetDisplay>(SDL_GL_GetProcAddress("glXGetCurrentDisplay"));
  static const auto get_drawable =
      reinterpret_cast<GetDrawable>(SDL_GL_GetProcAddress("glXGetCurrentDrawable"));
  if (!get_display || !get_drawable) return false;
  void* display = get_display();
  const unsigned long drawable = get_drawable();
  return display && drawable && glx_drawable_size(display, drawable, width, height);
}

class SdlGlContext final : public GlContext {
 public:
  SdlGlContext(SDL_Window* window, SDL_GLContext context) : window_(window), context_(context) {}
  ~SdlGlContext() override { SDL_GL_DeleteContext(context_); }
  void make_current() override { SDL_GL_MakeCurrent(window_, context_); }
  void release() override { SDL_GL_MakeCurrent(window_, nullptr); }
  void swap() override { SDL_GL_SwapWindow(window_); }
  bool set_swap_interval(int interval, std::string& why) override {
    if (SDL_GL_SetSwapInterval(interval) == 0) return true;
    why = SDL_GetError();
    return false;
  }
  bool drawable_size(int& width, int& height) override {
    EGLDisplay display = eglGetCurrentDisplay();
    EGLSurface surface = eglGetCurrentSurface(EGL_DRAW);
    EGLint w = 0, h = 0;
    if (display != EGL_NO_DISPLAY && surface != EGL_NO_SURFACE &&
        eglQuerySurface(display, surface, EGL_WIDTH, &w) &&
        eglQuerySurface(display, surface, EGL_HEIGHT, &h) && w > 0 && h > 0) {
      width = w;
      height = h;
      return true;
    }
    return current_glx_drawable_size(width, height);
  }
  std::string describe() const override {
    return fmt::format("SDL's context ({})", SDL_GetCurrentVideoDriver() ? SDL_GetCurrentVideoDriver() : "?");
  }

 private:
  SDL_Window* window_;
  SDL_GLContext context_;
};

}  // namespace

Result<std::unique_ptr<GlContext>> create_gl_context(SDL_Window* window) {
  // KAGAMI_GL_CONTEXT=sdl keeps SDL's context on X11 too (comparisons, and a way out should a
  // driver mishandle the second connection).
  const char* forced = std::getenv("KAGAMI_GL_CONTEXT");
  const bool sdl_only = forced && std::strcmp(forced, "sdl") == 0;
  const char* driver = SDL_GetCurrentVideoDriver();
  if (!sdl_only && driver && std::strcmp(driver, "x11") == 0) {
    auto own = create_glx_context(window);
    if (own) return own;
    spdlog::info("GL: {}; using SDL's context", own.error().message);
  }
  SDL_GLContext context = SDL_GL_CreateContext(window);
  if (!context) {
    return Error{
        fmt::format("cannot create an OpenGL ES 3 context: {} (install Mesa: libgl1-mesa-dri, libegl-mesa0)",
                    SDL_GetError())};
  }
  return std::unique_ptr<GlContext>(new SdlGlContext(window, context));
}

}  // namespace kagami::client
