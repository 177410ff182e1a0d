#pragma once
// Client commands: hold the escape key (default Scroll Lock) and press another key. Keys are
// matched by scancode (their position), so the bindings work on every keyboard layout.
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
  toggle_stats,
  toggle_help,
  screenshot,
  resize_to_guest,
  toggle_vsync,
  toggle_cursor,
  cycle_filter,
  quit
};

struct KeyBinding {
  SDL_Scancode key;
  Command command;
  const char* description;
};

// The fixed table (the help overlay lists it).
const std::vector<KeyBinding>& key_bindings();

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
