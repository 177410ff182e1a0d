#include "client/key_bindings.h"

#include <SDL2/SDL_keyboard.h>

#include <algorithm>

namespace kagami::client {

const std::vector<KeyBinding>& key_bindings() {
  static const std::vector<KeyBinding> table = {
      {SDL_SCANCODE_F, Command::toggle_fullscreen, "full screen on/off"},
      {SDL_SCANCODE_D, Command::toggle_stats, "statistics overlay (fps, frame interval, latency, guest)"},
      {SDL_SCANCODE_F1, Command::toggle_help, "this help"},
      {SDL_SCANCODE_S, Command::screenshot, "screenshot of the guest image (PNG)"},
      {SDL_SCANCODE_R, Command::resize_to_guest, "resize the window to the guest's resolution"},
      {SDL_SCANCODE_V, Command::toggle_vsync, "vsync on/off"},
      {SDL_SCANCODE_C, Command::toggle_cursor, "draw the guest cursor on/off"},
      {SDL_SCANCODE_N, Command::cycle_filter, "next scaling filter (auto, nearest, linear, sharp)"},
      {SDL_SCANCODE_Q, Command::quit, "quit"},
  };
  return table;
}

Result<SDL_Scancode> parse_escape_key(const std::string& name) {
  SDL_Scancode code = SDL_GetScancodeFromName(name.c_str());
  if (code == SDL_SCANCODE_UNKNOWN) {
    // "ScrollLock" for SDL's "ScrollLock"; also accept "Scroll Lock", "scroll_lock"...
    std::string compact;
    for (char c : name) {
      if (c != ' ' && c != '_' && c != '-')
        compact += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    for (int i = 1; i < SDL_NUM_SCANCODES; ++i) {
      std::string candidate;
      for (const char* p = SDL_GetScancodeName(static_cast<SDL_Scancode>(i)); *p; ++p) {
        if (*p != ' ') candidate += static_cast<char>(std::tolower(static_cast<unsigned char>(*p)));
      }
      if (!candidate.empty() && candidate == compact) return static_cast<SDL_Scancode>(i);
    }
    return Error{"unknown escape key \"" + name +
                 "\"; use an SDL scancode name such as ScrollLock, \"Right Ctrl\", "
                 "\"Right Alt\", Pause or F12"};
  }
  return code;
}

bool KeyBindingState::on_key(SDL_Scancode key, bool pressed, std::uint32_t time_ms,
                             std::optional<Command>& command) {
  command.reset();
  if (key == escape_) {
    if (pressed && !held_) {
      combined_ = false;
      pressed_ms_ = time_ms;
    }
    if (!pressed && held_ && !combined_ && time_ms - pressed_ms_ <= kTapMs) command = Command::toggle_capture;
    held_ = pressed;
    return true;
  }
  if (!held_) return false;
  if (pressed) {
    combined_ = true;
    const auto& table = key_bindings();
    auto it = std::find_if(table.begin(), table.end(), [&](const KeyBinding& b) { return b.key == key; });
    if (it != table.end()) command = it->command;
  }
  return true;  // everything typed while the escape key is held belongs to the client
}

}  // namespace kagami::client
