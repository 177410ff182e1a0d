#pragma once
// Keyboard and mouse → the SPICE inputs channel. Lives on the GLib thread. Tracks which keys and
// buttons it pressed so release_all() leaves nothing stuck in the guest (focus loss, disconnect).
#include <cstdint>
#include <set>

#include "spice/keymap.h"

typedef struct _SpiceInputsChannel SpiceInputsChannel;

namespace kagami::spice {

class InputSender {
 public:
  // The channel is borrowed: attach when it opens, detach before it is destroyed. Without a
  // channel every event is dropped (a key pressed while disconnected is never "held").
  void attach(SpiceInputsChannel* channel);
  void detach();
  bool attached() const { return channel_ != nullptr; }

  void key_down(int sdl_scancode);
  void key_up(int sdl_scancode);
  void release_all();

  void position(int x, int y);
  void motion(int dx, int dy);
  void button(int sdl_button, bool pressed);
  void wheel(int dy);

 private:
  void send_press(Set1Code code);
  void send_release(Set1Code code);

  SpiceInputsChannel* channel_ = nullptr;
  std::set<Set1Code> held_keys_;
  int button_mask_ = 0;  // SPICE_MOUSE_BUTTON_MASK_* of the buttons held
};

}  // namespace kagami::spice
