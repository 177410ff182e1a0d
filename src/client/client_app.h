#pragma once
// The app shell on the event thread (the thread that created the windows): the process-wide part
// of the client. It owns the options, the SDL event loop, the key bindings and escape-key
// commands, the guest input (one SPICE connection for the whole guest) and one ClientDisplay per
// region (client_display.h: a window with its own renderer, frame thread, session, status and
// recovery). Events go to the display whose SDL window id they carry; the keyboard goes to the
// guest from whichever window has the focus, and commands act on that window.
// Each display draws on a draw thread of its own, woken by its frame thread directly; this thread
// only pumps events, runs commands and forwards input, and never waits for a frame or a draw, so
// input is answered within a few milliseconds at all times.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "client/client_display.h"
#include "client/commands.h"
#include "client/guest_input.h"
#include "client/key_bindings.h"
#include "client/options.h"

namespace kagami::client {

class ClientApp {
 public:
  explicit ClientApp(Options options);
  ~ClientApp();
  // Runs until the last window is closed, the quit command or SIGTERM/SIGINT; returns the exit code.
  int run();

 private:
  Result<void> start();
  void handle_event(const SDL_Event& e);
  void handle_key(const SDL_Event& e, ClientDisplay* display);
  void run_command(Command command, ClientDisplay& display);
  void check_input_note(std::uint64_t now_ns);
  void close_display(std::uint32_t window_id);
  ClientDisplay* find(std::uint32_t window_id);
  ClientDisplay* focused();  // the window with the keyboard focus (the first before any has it)
  void all_changed();

  Options options_;
  std::optional<KeyBindingState> keys_;
  std::unique_ptr<GuestInput> input_;
  Commands commands_;       // what the escape-key commands do (commands.cpp)
  std::string input_note_;  // why input does not reach the guest ("" when it does)
  std::uint64_t next_note_check_ns_ = 0;
  std::uint32_t wake_event_ = 0;  // the frame threads' wake-up; its windowID names the display
  std::vector<std::unique_ptr<ClientDisplay>> displays_;  // in the order of the options
  std::uint32_t focused_window_ = 0;
  bool events_started_ = false;  // SDL_INIT_EVENTS, for the app's lifetime
  bool screensaver_blocked_ = false;
  bool running_ = true;
};

}  // namespace kagami::client
