#pragma once
// What the escape-key commands do (key_bindings.h decides which key means which command). Kept
// apart from ClientApp so the frame loop and the commands can change independently: the app hands
// each command a CommandContext with the pieces it may touch, and reads back the state commands
// own (capture, quit) from Commands.
#include <cstdint>
#include <functional>

#include "client/guest_input.h"
#include "client/key_bindings.h"
#include "client/options.h"
#include "client/overlay.h"
#include "client/renderer.h"
#include "client/window.h"
#include "common/result.h"

namespace kagami::client {

// Borrowed for the duration of one command.
struct CommandContext {
  Options& options;
  Window& window;
  Overlay& overlay;
  GuestInput& input;
  // The guest image at its own resolution (screenshots); an error when there is none.
  std::function<Result<GuestImage>()> read_guest_image;
  // The renderer's vsync; the state lives in options.vsync.
  std::function<void(bool on)> set_vsync;
  std::uint32_t image_width = 0, image_height = 0;  // the guest image shown (0: none yet)
  // The user's rotation of the image, in quarter turns clockwise (the renderer's).
  std::function<void(int quarter_turns)> set_rotation;
  std::uint64_t now_ns = 0;
  const char* escape_key_name = "";  // as the user sees it, e.g. "ScrollLock"
};

class Commands {
 public:
  // Applies the options commands can later change (rotation, sensitivity, volume, ...).
  void start(CommandContext& ctx);
  void run(Command command, CommandContext& ctx);
  // Input reaches the guest now (SPICE connected): --capture-on-start captures then.
  void input_ready(CommandContext& ctx);

  bool captured() const { return captured_; }  // mouse and keyboard grabbed for the guest
  bool quit_requested() const { return quit_; }
  bool video() const { return video_; }        // false: frames are consumed, not shown
  bool overlays() const { return overlays_; }  // false: nothing drawn over the image but the help

 private:
  void set_captured(bool on, CommandContext& ctx);
  void set_volume(int percent, CommandContext& ctx);

  bool captured_ = false;
  bool capture_pending_ = false;  // --capture-on-start, until input reaches the guest
  bool quit_ = false;
  bool video_ = true;
  bool overlays_ = true;
  bool input_ = true;
  int rotation_ = 0;  // quarter turns
  int sensitivity_ = 0;
  int volume_ = 100;
  bool muted_ = false;
  bool microphone_ = false;
};

}  // namespace kagami::client
