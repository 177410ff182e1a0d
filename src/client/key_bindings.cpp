#include "client/key_bindings.h"

#include <SDL2/SDL_keyboard.h>

#include <algorithm>

namespace kagami::client {

const std::vector<KeyBinding>& key_bindings() {
  static const std::vector<KeyBinding> table = [] {
    std::vector<KeyBinding> t = {
        {SDL_SCANCODE_F, Command::toggle_fullscreen},
        {SDL_SCANCODE_V, Command::toggle_video},
        {SDL_SCANCODE_R, Command::rotate},
        {SDL_SCANCODE_Q, Command::quit},
        {SDL_SCANCODE_O, Command::toggle_overlay},
        {SDL_SCANCODE_I, Command::toggle_input},
        {SDL_SCANCODE_INSERT, Command::sensitivity_up},
        {SDL_SCANCODE_DELETE, Command::sensitivity_down},
        {SDL_SCANCODE_UP, Command::volume_up},
        {SDL_SCANCODE_DOWN, Command::volume_down},
        {SDL_SCANCODE_M, Command::toggle_mute},
        {SDL_SCANCODE_E, Command::toggle_microphone},
        {SDL_SCANCODE_LGUI, Command::send_left_gui},
        {SDL_SCANCODE_RGUI, Command::send_right_gui},
        {SDL_SCANCODE_END, Command::send_ctrl_alt_del},
        {SDL_SCANCODE_D, Command::toggle_stats},
        {SDL_SCANCODE_S, Command::screenshot},
        {SDL_SCANCODE_W, Command::resize_to_guest},
        {SDL_SCANCODE_Y, Command::toggle_vsync},
        {SDL_SCANCODE_C, Command::toggle_cursor},
        {SDL_SCANCODE_N, Command::cycle_filter},
    };
    for (int i = 0; i < 12; ++i) {
      t.push_back({static_cast<SDL_Scancode>(SDL_SCANCODE_F1 + i),
                   static_cast<Command>(static_cast<int>(Command::send_ctrl_alt_f1) + i)});
    }
    return t;
  }();
  return table;
}

const std::vector<KeyHelp>& key_help() {
  static const std::vector<KeyHelp> lines = {
      {"F", "full screen on/off"},
      {"V", "video on/off (the last image stays)"},
      {"R", "rotate the image 90 degrees clockwise"},
      {"Q", "quit"},
      {"O", "overlays on/off (status, statistics, notices)"},
      {"I", "keyboard and mouse to the guest on/off"},
      {"Insert/Delete", "mouse sensitivity up/down (capture)"},
      {"Up/Down", "volume up/down"},
      {"M", "mute on/off"},
      {"E", "microphone on/off (Looking Glass: E/C)"},
      {"Left/Right GUI", "send the Windows key to the guest"},
      {"F1..F12", "send Ctrl+Alt+F1..F12 to the guest"},
      {"End", "send Ctrl+Alt+Del to the guest"},
      {"D", "statistics (Looking Glass: D fps, T timing)"},
      {"S", "screenshot of the guest image (PNG)"},
      {"W", "window to the guest's size"},
      {"Y", "vsync on/off"},
      {"C", "guest cursor on/off (microphone: E)"},
      {"N", "next filter (Looking Glass: night vision)"},
  };
  return lines;
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
