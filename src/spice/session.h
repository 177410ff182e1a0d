#pragma once
// kagami::spice::Session: the client side of SPICE for everything but the display — keyboard,
// mouse, clipboard (vdagent) and audio — through spice-client-glib.
//
// Threads: the Session owns a thread that runs GLib's *default* main context; spice-client-glib
// does all its work there. Every public method may be called from any thread: it copies its
// arguments and hands the work to that thread with g_main_context_invoke, so input events keep
// their order. Callbacks (ClipboardHandler) run on the GLib thread: keep them short and hand the
// data to your own thread (e.g. SDL_PushEvent). Only one Session per process (the default main
// context is global); nothing else in the process may iterate the default main context.
//
// Keys are SDL scancodes as plain integers (the values of SDL_Scancode) so this header needs no
// SDL; mouse buttons use SDL's numbering (1 left, 2 middle, 3 right, 4 X1/back, 5 X2/forward).
#include <cstdint>
#include <functional>
#include <memory>

#include "common/result.h"
#include "spice/clipboard_data.h"
#include "spice/options.h"
#include "spice/status.h"

namespace kagami::spice {

class Session {
 public:
  // Called on the GLib thread with content the guest copied (already fetched and size-checked).
  using ClipboardHandler = std::function<void(ClipboardData)>;
  // Called on the GLib thread when the guest's clipboard owner goes away.
  using ClipboardReleaseHandler = std::function<void()>;

  // Starts the GLib thread and begins connecting; returns once the thread runs. Errors: a bad
  // address, or a second Session in the process.
  static Result<std::unique_ptr<Session>> start(SessionOptions options);
  ~Session();  // disconnects (keys still held are released first) and joins the thread

  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Keyboard. Unknown scancodes are ignored. key_down of a held key sends another press (repeat).
  void key_down(int sdl_scancode);
  void key_up(int sdl_scancode);
  // Releases every key and mouse button this session pressed. Call on focus loss.
  void release_all();

  // Mouse. Absolute positions are in guest desktop pixels (the app maps window → output → desktop;
  // with one output the desktop is the output) and are used in client mouse mode; relative motion
  // in server mouse mode (see status().mouse_mode).
  void mouse_position(int x, int y);
  void mouse_motion(int dx, int dy);
  void mouse_button(int sdl_button, bool pressed);
  // Vertical wheel in notches (positive = away from the user = up). SPICE's inputs channel has no
  // horizontal wheel message (spice-protocol 0.14), so dx is not sent.
  void mouse_wheel(int dx, int dy);
  void request_mouse_mode(MouseMode mode);

  // Clipboard. set_host_clipboard announces host content to the guest (it is sent when the guest
  // asks for it); identical content just received from the guest is not announced back (no loops).
  void set_host_clipboard(ClipboardData data);
  void release_host_clipboard();
  void on_guest_clipboard(ClipboardHandler handler, ClipboardReleaseHandler release = {});

  // Audio controls of the user (on top of the guest's own volume and mute): playback volume in
  // percent (0..100, linear), playback mute, and the microphone. The microphone starts as
  // AudioOptions::record says and takes effect whenever the guest opens its record stream; it needs
  // audio on (playback or record) when the session starts, or there is no record channel.
  void set_volume(uint32_t percent);
  void set_mute(bool mute);
  void set_microphone(bool on);

  SessionStatus status() const;

  class Impl;

 private:
  explicit Session(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kagami::spice
