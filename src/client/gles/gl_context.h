#pragma once
// The GL context of the GLES renderer and the window surface it draws to. Two kinds:
//   - SDL's context (EGL on Wayland and SDL's offscreen driver, GLX on X11), the fallback;
//   - on X11, a GLX context on an X connection of its own (glx_context.cpp). SDL's X11 context
//     sends every GL request of the draw thread (the swap's MIT-SHM PutImage and its reply, the
//     drawable queries) through the connection that SDL's event thread waits on, under one Xlib
//     lock: each reply woke the event thread, and the draws of several windows queued on one
//     another. With a connection per context, a window's draw thread talks to the X server alone.
// Used by one thread at a time: created current on the creating thread; the draw thread then
// calls make_current() and, when it ends, release().
#include <SDL2/SDL.h>

#include <memory>
#include <string>

#include "common/result.h"

namespace kagami::client {

class GlContext {
 public:
  virtual ~GlContext() = default;
  virtual void make_current() = 0;  // on the calling thread
  virtual void release() = 0;       // no context current on the calling thread
  virtual void swap() = 0;
  // 0: swaps never wait for a refresh; 1: vsync. False when the driver refuses (SDL_GetError()
  // or a message in `why`).
  virtual bool set_swap_interval(int interval, std::string& why) = 0;
  // The surface's own size in pixels; false when the context cannot tell.
  virtual bool drawable_size(int& width, int& height) = 0;
  // For the log: which kind of context, e.g. "GLX on its own X connection".
  virtual std::string describe() const = 0;
};

// A GLES 3.0 context for `window` (created with SDL_WINDOW_OPENGL), current on the calling
// thread: the own-connection GLX one on X11 when it can be made, else SDL's.
Result<std::unique_ptr<GlContext>> create_gl_context(SDL_Window* window);

// The own-connection GLX context (glx_context.cpp); an error says why it cannot be used here.
Result<std::unique_ptr<GlContext>> create_glx_context(SDL_Window* window);

// A GLX drawable's size on `display` (an Xlib Display*), asked with glXQueryDrawable
// (glx_context.cpp); false when GLX is not there or the size is unknown.
bool glx_drawable_size(void* display, unsigned long drawable, int& width, int& height);

}  // namespace kagami::client
