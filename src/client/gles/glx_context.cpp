// A GLES 3.0 context through GLX on an X connection of the renderer's own (gl_context.h says why).
// The GLX entry points come through SDL_GL_GetProcAddress (SDL loaded the GL library for the
// SDL_WINDOW_OPENGL window), so the client links no GLX library; the few GLX types and constants
// it needs are spelled out below (GLX 1.4, GLX_ARB_create_context, GLX_EXT_create_context_es2_profile,
// GLX_EXT/MESA_swap_control).
#include <SDL2/SDL_syswm.h>
#include <X11/Xlib.h>
#include <fmt/format.h>

#include <cstring>

#include "client/gles/gl_context.h"

namespace kagami::client {
namespace {

using GLXFBConfig = struct __GLXFBConfigRec*;
using GLXContext = struct __GLXcontextRec*;
using GLXDrawable = XID;

constexpr int kGlxVisualId = 0x800B, kGlxDrawableType = 0x8010, kGlxRenderType = 0x8011, kGlxDoubleBuffer = 5;
constexpr int kGlxWindowBit = 0x1, kGlxRgbaBit = 0x1;
constexpr int kGlxWidth = 0x801D, kGlxHeight = 0x801E;
constexpr int kContextMajor = 0x2091, kContextMinor = 0x2092, kContextProfileMask = 0x9126,
              kEs2ProfileBit = 0x4;

struct Glx {
  using QueryExtensionsString = const char* (*)(Display*, int);
  using GetFBConfigs = GLXFBConfig* (*)(Display*, int, int*);
  using GetFBConfigAttrib = int (*)(Display*, GLXFBConfig, int, int*);
  using CreateContextAttribs = GLXContext (*)(Display*, GLXFBConfig, GLXContext, Bool, const int*);
  using MakeCurrent = Bool (*)(Display*, GLXDrawable, GLXContext);
  using SwapBuffers = void (*)(Display*, GLXDrawable);
  using DestroyContext = void (*)(Display*, GLXContext);
  using QueryDrawable = void (*)(Display*, GLXDrawable, int, unsigned int*);
  using SwapIntervalExt = void (*)(Display*, GLXDrawable, int);
  using SwapIntervalMesa = int (*)(unsigned int);

  template <typename F>
  static F get(const char* name) {
    return reinterpret_cast<F>(SDL_GL_GetProcAddress(name));
  }
  QueryExtensionsString query_extensions = get<QueryExtensionsString>("glXQueryExtensionsString");
  GetFBConfigs get_configs = get<GetFBConfigs>("glXGetFBConfigs");
  GetFBConfigAttrib config_attrib = get<GetFBConfigAttrib>("glXGetFBConfigAttrib");
  CreateContextAttribs create_context = get<CreateContextAttribs>("glXCreateContextAttribsARB");
  MakeCurrent make_current = get<MakeCurrent>("glXMakeCurrent");
  SwapBuffers swap_buffers = get<SwapBuffers>("glXSwapBuffers");
  DestroyContext destroy_context = get<DestroyContext>("glXDestroyContext");
  QueryDrawable query_drawable = get<QueryDrawable>("glXQueryDrawable");  // glx_drawable_size needs it
  SwapIntervalExt swap_interval_ext = get<SwapIntervalExt>("glXSwapIntervalEXT");
  SwapIntervalMesa swap_interval_mesa = get<SwapIntervalMesa>("glXSwapIntervalMESA");

  bool complete() const {
    return query_extensions && get_configs && config_attrib && create_context && make_current &&
           swap_buffers && destroy_context && query_drawable;
  }
};

bool has_word(const char* list, const char* word) {
  const std::size_t n = std::strlen(word);
  for (const char* p = list; p && (p = std::strstr(p, word)); p += n) {
    if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0')) return true;
  }
  return false;
}

// Xlib's default handler ends the process on any protocol error; a refused context is an error
// to report instead. Process-wide, so set only around the creation and restored at once.
int ignore_x_error(Display*, XErrorEvent*) { return 0; }

class GlxContext final : public GlContext {
 public:
  GlxContext(Glx glx, Display* display, Window window, GLXContext context, bool swap_ext, bool swap_mesa)
      : glx_(glx),
        display_(display),
        window_(window),
        context_(context),
        swap_ext_(swap_ext),
        swap_mesa_(swap_mesa) {}
  ~GlxContext() override {
    glx_.make_current(display_, None, nullptr);
    glx_.destroy_context(display_, context_);
    XCloseDisplay(display_);
  }
  void make_current() override { glx_.make_current(display_, window_, context_); }
  void release() override { glx_.make_current(display_, None, nullptr); }
  void swap() override { glx_.swap_buffers(display_, window_); }
  bool set_swap_interval(int interval, std::string& why) override {
    if (swap_ext_ && glx_.swap_interval_ext) {
      glx_.swap_interval_ext(display_, window_, interval);
      return true;
    }
    if (swap_mesa_ && glx_.swap_interval_mesa &&
        glx_.swap_interval_mesa(static_cast<unsigned>(interval)) == 0)
      return true;
    why = "the GLX driver has no swap control extension";
    return false;
  }
  bool drawable_size(int& width, int& height) override {
    return glx_drawable_size(display_, window_, width, height);
  }
  std::string describe() const override { return "GLX on its own X connection"; }

 private:
  Glx glx_;
  Display* display_;
  Window window_;
  GLXContext context_;
  bool swap_ext_, swap_mesa_;
};

// The FBConfig of the window's visual (SDL chose it from the GL attributes, window.cpp).
GLXFBConfig config_for(const Glx& glx, Display* display, Window window) {
  XWindowAttributes attributes{};
  if (!XGetWindowAttributes(display, window, &attributes)) return nullptr;
  const VisualID visual = XVisualIDFromVisual(attributes.visual);
  int count = 0;
  GLXFBConfig* configs = glx.get_configs(display, XScreenNumberOfScreen(attributes.screen), &count);
  GLXFBConfig chosen = nullptr;
  for (int i = 0; i < count && !chosen; ++i) {
    int id = 0, drawable = 0, render = 0, doubled = 0;
    glx.config_attrib(display, configs[i], kGlxVisualId, &id);
    glx.config_attrib(display, configs[i], kGlxDrawableType, &drawable);
    glx.config_attrib(display, configs[i], kGlxRenderType, &render);
    glx.config_attrib(display, configs[i], kGlxDoubleBuffer, &doubled);
    if (static_cast<VisualID>(id) == visual && (drawable & kGlxWindowBit) && (render & kGlxRgbaBit) &&
        doubled)
      chosen = configs[i];
  }
  if (configs) XFree(configs);
  return chosen;
}

}  // namespace

bool glx_drawable_size(void* display, unsigned long drawable, int& width, int& height) {
  static const auto query = Glx::get<Glx::QueryDrawable>("glXQueryDrawable");
  if (!query) return false;
  unsigned int w = 0, h = 0;
  query(static_cast<Display*>(display), drawable, kGlxWidth, &w);
  query(static_cast<Display*>(display), drawable, kGlxHeight, &h);
  if (w == 0 || h == 0) return false;
  width = static_cast<int>(w);
  height = static_cast<int>(h);
  return true;
}

Result<std::unique_ptr<GlContext>> create_glx_context(SDL_Window* window) {
  SDL_SysWMinfo info;
  SDL_VERSION(&info.version);
  if (!SDL_GetWindowWMInfo(window, &info) || info.subsystem != SDL_SYSWM_X11)
    return Error{"the window is not an X11 window"};
  const Glx glx;
  if (!glx.complete()) return Error{"the GL library has no GLX 1.4 with GLX_ARB_create_context"};
  Display* display = XOpenDisplay(DisplayString(info.info.x11.display));
  if (!display)
    return Error{fmt::format("cannot open a second connection to {}", DisplayString(info.info.x11.display))};
  const Window x_window = info.info.x11.window;
  const char* extensions = glx.query_extensions(display, DefaultScreen(display));
  if (!has_word(extensions, "GLX_ARB_create_context") ||
      !(has_word(extensions, "GLX_EXT_create_context_es2_profile") ||
        has_word(extensions, "GLX_EXT_create_context_es_profile"))) {
    XCloseDisplay(display);
    return Error{"GLX cannot create an OpenGL ES context (no GLX_EXT_create_context_es2_profile)"};
  }
  const GLXFBConfig config = config_for(glx, display, x_window);
  if (!config) {
    XCloseDisplay(display);
    return Error{"no GLX framebuffer configuration matches the window's visual"};
  }
  const int attributes[] = {kContextMajor, 3, kContextMinor, 0, kContextProfileMask, kEs2ProfileBit, None};
  XSync(display, False);
  auto* previous = XSetErrorHandler(ignore_x_error);
  GLXContext context = glx.create_context(display, config, nullptr, True, attributes);
  const bool current = context && glx.make_current(display, x_window, context);
  XSync(display, False);
  XSetErrorHandler(previous);
  if (!current) {
    if (context) glx.destroy_context(display, context);
    XCloseDisplay(display);
    return Error{"GLX refused an OpenGL ES 3.0 context for the window"};
  }
  return std::unique_ptr<GlContext>(new GlxContext(glx, display, x_window, context,
                                                   has_word(extensions, "GLX_EXT_swap_control"),
                                                   has_word(extensions, "GLX_MESA_swap_control")));
}

}  // namespace kagami::client
