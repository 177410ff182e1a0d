#pragma once
// Client commands: hold the escape key (default Scroll Lock) and press another key. Keys are
// matched by scancode (their position), so the bindings work on every keyboard layout. The keys
// follow Looking Glass B7's where kagami has the same command (docs/usage.md lists both).
#include <SDL2/SDL_scancode.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace kagami::client {

enum class Command {
  toggle_capture,  // the escape key tapped alone
  toggle_fullscreen,
  toggle_video,  // stop / resume showing the guest's frames
  rotate,        // the image a quarter turn clockwise
  quit,
  toggle_overlay,  // every overlay over the image (status banner, statistics, notices)
  toggle_input,    // keyboard and mouse to the guest
  sensitivity_up,  // mouse sensitivity in capture mode
  sensitivity_down,
  volume_up,
  volume_down,
  toggle_mute,
  toggle_microphone,
  send_left_gui,  // the Windows key, which the host desktop would otherwise take
  send_right_gui,
  send_ctrl_alt_del,
  send_ctrl_alt_f1,  // ... through send_ctrl_alt_f12, in order
  send_ctrl_alt_f12 = send_ctrl_alt_f1 + 11,
  toggle_stats,
  screenshot,
  resize_to_guest,
  toggle_vsync,
  toggle_cursor,
  cycle_filter,
};

struct KeyBinding {
  SDL_Scancode key;
  Command command;
};

// The fixed table.
const std::vector<KeyBinding>& key_bindings();

// What the help overlay and the man page list: one line per binding or group of bindings.
struct KeyHelp {
  const char* keys;  // e.g. "F1..F12"
  const char* what;  // what it does, and Looking Glass's key where kagami's differs
};
const std::vector<KeyHelp>& key_help();

// The scancode for a name such as "ScrollLock", "Right Ctrl" or "F12" (SDL's scancode names, with
// or without spaces); an error lists a few valid names.
Result<SDL_Scancode> parse_escape_key(const std::string& name);

// Tracks the escape key; returns the command when a bound key is pressed while it is held.
class KeyBindingState {
 public:
  explicit KeyBindingState(SDL_Scancode escape) : escape_(escape) {}
  // Feed every key event (`time_ms`: when it happened, e.g. SDL's event timestamp); true if the
  // event belongs to the client (do not pass it to the guest). Tapping the escape key alone (no
  // other key while it is held, released within kTapMs) gives Command::toggle_capture; holding it
  // longer only shows the help, and letting go then does nothing.
  bool on_key(SDL_Scancode key, bool pressed, std::uint32_t time_ms, std::optional<Command>& command);
  static constexpr std::uint32_t kTapMs = 300;
  bool escape_held() const { return held_; }
  SDL_Scancode escape() const { return escape_; }

 private:
  SDL_Scancode escape_;
  bool held_ = false;
  bool combined_ = false;  // another key was pressed while the escape key was held
  std::uint32_t pressed_ms_ = 0;
};

}  // namespace kagami::client
