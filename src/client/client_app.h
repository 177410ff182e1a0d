#pragma once
// The app shell on the render thread (the thread that created the window): SDL events and input,
// client commands, the redraw policy and statistics, drawing through the Renderer. Frames come
// from FrameIntake's own thread (frame_intake.h), which wakes this one with an SDL user event;
// nothing here waits for a frame, so input is answered within a few milliseconds at all times.
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "client/commands.h"
#include "client/frame_intake.h"
#include "client/frame_stats.h"
#include "client/guest_input.h"
#include "client/key_bindings.h"
#include "client/options.h"
#include "client/overlay.h"
#include "client/redraw_policy.h"
#include "client/renderer.h"
#include "client/window.h"

namespace kagami::client {

class ClientApp {
 public:
  explicit ClientApp(Options options);
  ~ClientApp();
  // Runs until the window is closed, the quit command or SIGTERM/SIGINT; returns the exit code.
  int run();

 private:
  Result<void> start();
  void handle_event(const SDL_Event& e);
  CommandContext command_context();
  void run_command(Command command);
  void take_snapshot(std::uint64_t now_ns);
  void check_input_note(std::uint64_t now_ns);
  void render(std::uint64_t now_ns);
  void update_title();
  void update_intake_hidden();
  RedrawPolicy::Inputs redraw_inputs() const;

  Options options_;
  std::unique_ptr<Window> window_;
  std::unique_ptr<Renderer> renderer_;
  std::string renderer_reason_;
  std::unique_ptr<Overlay> overlay_;
  std::unique_ptr<FrameIntake> intake_;  // after the renderer: its thread uploads into it
  std::optional<KeyBindingState> keys_;
  std::unique_ptr<GuestInput> input_;
  Commands commands_;       // what the escape-key commands do (commands.cpp)
  std::string input_note_;  // why input does not reach the guest ("" when it does)
  std::uint64_t next_note_check_ns_ = 0;
  Layout layout_;  // of the last draw: maps the pointer to guest pixels

  // The frame thread's wake-up: one SDL user event in flight at a time.
  std::uint32_t wake_event_ = 0;
  std::atomic<bool> wake_pending_{false};
  std::atomic<bool> render_requested_{false};  // the renderer asked for render() (RendererSettings::wake)

  IntakeSnapshot snap_;  // the frame thread's state as of the last look
  std::uint64_t seen_frames_ = 0, seen_cursor_moves_ = 0, seen_attention_ = 0, seen_version_ = 0;
  std::string shown_status_, shown_warning_;
  bool shown_connected_ = false;
  std::uint32_t image_width_ = 0, image_height_ = 0;
  bool screensaver_blocked_ = false;
  bool frame_pending_stats_ = false;

  bool running_ = true;
  bool hidden_ = false;
  RedrawPolicy redraw_;
  FrameStats stats_;
  RenderTimings timings_;
};

}  // namespace kagami::client
