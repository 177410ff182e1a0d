#include "spice/input_sender.h"

#include <spice-client.h>

#include <cstdlib>

namespace kagami::spice {
namespace {

// spice-client-glib's scancode convention: the set-1 code, plus 0x100 for an E0 prefix (it turns
// 0x1xx into the bytes E0 xx on the wire).
guint to_spice_gtk(uint8_t code, bool e0) { return e0 ? 0x100u | code : code; }

struct SpiceButton {
  int button = SPICE_MOUSE_BUTTON_INVALID;
  int mask = 0;
};

SpiceButton spice_button_from_sdl(int sdl_button) {
  switch (sdl_button) {
    case 1:
      return {SPICE_MOUSE_BUTTON_LEFT, SPICE_MOUSE_BUTTON_MASK_LEFT};
    case 2:
      return {SPICE_MOUSE_BUTTON_MIDDLE, SPICE_MOUSE_BUTTON_MASK_MIDDLE};
    case 3:
      return {SPICE_MOUSE_BUTTON_RIGHT, SPICE_MOUSE_BUTTON_MASK_RIGHT};
    case 4:
      return {SPICE_MOUSE_BUTTON_SIDE, SPICE_MOUSE_BUTTON_MASK_SIDE};
    case 5:
      return {SPICE_MOUSE_BUTTON_EXTRA, SPICE_MOUSE_BUTTON_MASK_EXTRA};
    default:
      return {};
  }
}

}  // namespace

void InputSender::attach(SpiceInputsChannel* channel) {
  channel_ = channel;
  held_keys_.clear();
  button_mask_ = 0;
}

void InputSender::detach() {
  channel_ = nullptr;
  held_keys_.clear();
  button_mask_ = 0;
}

void InputSender::send_press(Set1Code code) {
  spice_inputs_channel_key_press(channel_, to_spice_gtk(code & 0x7F, set1_is_extended(code)));
}

void InputSender::send_release(Set1Code code) {
  spice_inputs_channel_key_release(channel_, to_spice_gtk(code & 0x7F, set1_is_extended(code)));
}

void InputSender::key_down(int sdl_scancode) {
  auto code = set1_from_sdl(sdl_scancode);
  if (!code || !channel_) return;
  send_press(*code);
  held_keys_.insert(*code);
}

void InputSender::key_up(int sdl_scancode) {
  auto code = set1_from_sdl(sdl_scancode);
  if (!code || !channel_) return;
  // Only keys we pressed: a release for a key pressed before we connected would be noise.
  if (held_keys_.erase(*code) == 0) return;
  send_release(*code);
}

void InputSender::release_all() {
  if (!channel_) return;
  for (Set1Code code : held_keys_) send_release(code);
  held_keys_.clear();
  for (int sdl_button = 1; sdl_button <= 5; ++sdl_button) {
    SpiceButton b = spice_button_from_sdl(sdl_button);
    if (button_mask_ & b.mask) {
      button_mask_ &= ~b.mask;
      spice_inputs_channel_button_release(channel_, b.button, button_mask_);
    }
  }
}

void InputSender::position(int x, int y) {
  // Display 0 with guest DESKTOP coordinates, whichever client window the pointer is in: without a
  // vdagent spice-server hands only x/y to the tablet, which spans the whole desktop
  // (client/pointer_map.h, docs/client.md).
  if (channel_) spice_inputs_channel_position(channel_, x, y, 0, button_mask_);
}

void InputSender::motion(int dx, int dy) {
  if (channel_ && (dx != 0 || dy != 0)) spice_inputs_channel_motion(channel_, dx, dy, button_mask_);
}

void InputSender::button(int sdl_button, bool pressed) {
  SpiceButton b = spice_button_from_sdl(sdl_button);
  if (!channel_ || b.mask == 0) return;
  if (pressed) {
    button_mask_ |= b.mask;
    spice_inputs_channel_button_press(channel_, b.button, button_mask_);
  } else {
    if (!(button_mask_ & b.mask)) return;
    button_mask_ &= ~b.mask;
    spice_inputs_channel_button_release(channel_, b.button, button_mask_);
  }
}

void InputSender::wheel(int dy) {
  if (!channel_ || dy == 0) return;
  // One press+release of the UP/DOWN "button" per notch, as a PS/2 or USB wheel reports it.
  const int button = dy > 0 ? SPICE_MOUSE_BUTTON_UP : SPICE_MOUSE_BUTTON_DOWN;
  const int mask = dy > 0 ? SPICE_MOUSE_BUTTON_MASK_UP : SPICE_MOUSE_BUTTON_MASK_DOWN;
  for (int i = 0; i < std::abs(dy); ++i) {
    spice_inputs_channel_button_press(channel_, button, button_mask_ | mask);
    spice_inputs_channel_button_release(channel_, button, button_mask_);
  }
}

}  // namespace kagami::spice
