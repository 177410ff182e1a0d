#pragma once
// Keyboard, mouse and clipboard from the window to the guest, and the guest's sound. The SPICE implementation
// (guest_input_spice.cpp, src/spice) is built when that layer is; otherwise the client is
// view-only and says why (guest_input_none.cpp).
#include <SDL2/SDL.h>

#include <memory>
#include <string>
#include <vector>

#include "client/options.h"

namespace kagami::client {

// Window -> guest desktop pixels for the current layout; false outside the image.
struct GuestPointerMap {
  virtual ~GuestPointerMap() = default;
  virtual bool window_to_guest(int window_x, int window_y, int& guest_x, int& guest_y) const = 0;
};

class GuestInput {
 public:
  virtual ~GuestInput() = default;
  // Keys the client did not take for itself (escape-key commands are never forwarded).
  virtual void key(SDL_Scancode scancode, bool pressed) = 0;
  // Mouse and window events; `map` turns window positions into guest pixels.
  virtual void event(const SDL_Event& e, const GuestPointerMap& map) = 0;
  // The pointer is captured (relative motion) or free (absolute positions when the guest allows).
  virtual void set_captured(bool captured) = 0;
  // Releases every key and button held in the guest (focus lost, capture changed).
  virtual void release_all() = 0;
  // "" while input reaches the guest; otherwise why not, e.g. "view-only: connecting to ...".
  virtual std::string note() const = 0;

  // Presses `keys` in order, then releases them in reverse (e.g. Ctrl+Alt+F2 for the guest).
  virtual void send_combo(const std::vector<SDL_Scancode>& keys) = 0;
  // Keyboard and mouse to the guest on/off (clipboard and sound carry on). Off releases all.
  virtual void set_input_enabled(bool on) = 0;
  // Relative motion in capture mode times (10 + step) / 10, step -9..9 (0: 1:1), as Looking Glass.
  virtual void set_mouse_sensitivity(int step) = 0;
  // The guest's sound and the microphone (over the same connection).
  virtual void set_volume(unsigned percent) = 0;
  virtual void set_mute(bool mute) = 0;
  virtual void set_microphone(bool on) = 0;
};

// SPICE when built with it and enabled in the options; otherwise a view-only stand-in.
std::unique_ptr<GuestInput> start_guest_input(const Options& options);

// Input that reaches nothing: every call is ignored, note() says `why`.
std::unique_ptr<GuestInput> view_only_guest_input(std::string why);

}  // namespace kagami::client
