#pragma once
// One client window showing one region (one guest output): its Window, Renderer, Overlay,
// FrameIntake (with the frame thread and the KVMFR session), the last Layout, the redraw policy,
// the statistics and the title/status. Everything here but the frame thread runs on the render
// thread (ClientApp's), which owns every display; a display never looks at another, so one
// region vanishing or its agent restarting only changes its own window.
//
// Several displays share the render thread: each has its own GL context (or Vulkan device) and
// Dear ImGui context, and every call below first makes those current (activate()).
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
#include "client/pointer_map.h"
#include "client/redraw_policy.h"
#include "client/renderer.h"
#include "client/window.h"

namespace kagami::client {

// What every display reads from the process-wide part (ClientApp) when it draws: owned there,
// borrowed for the display's lifetime.
struct DisplayShared {
  Options& options;
  const Commands& commands;
  const KeyBindingState& keys;
  const std::string& input_note;  // why input does not reach the guest ("" when it does)
  bool several = false;           // more than one window: log lines name the region
};

class ClientDisplay {
 public:
  // Opens the window and its renderer and starts the frame thread on `window.shm`. The frame
  // thread wakes the render thread with an SDL user event of type `wake_event` whose windowID is
  // this display's window.
  static Result<std::unique_ptr<ClientDisplay>> open(const WindowOptions& window, const DisplayShared& shared,
                                                     std::uint32_t wake_event);
  ~ClientDisplay();
  ClientDisplay(const ClientDisplay&) = delete;
  ClientDisplay& operator=(const ClientDisplay&) = delete;

  std::uint32_t window_id() const { return window_id_.load(); }
  const std::string& shm() const { return shm_; }

  // Makes this display's GL context and ImGui context current (every method below does).
  void activate();
  // An event for this window (by SDL window id), or its frame thread's wake-up: the overlay sees
  // it, window events change the hidden state and the redraw policy.
  void handle_event(const SDL_Event& e);
  // A client command or the escape key changed what is drawn.
  void changed() { redraw_.changed(3); }
  // Video off (escape key + V) or the window hidden: frames are consumed but not uploaded.
  void update_intake_hidden();
  // Reads the frame thread's snapshot; asks for a redraw when something changed.
  void take_snapshot(std::uint64_t now_ns);
  // The redraw policy: how long the event loop may sleep, and whether to draw now.
  int wait_ms(std::uint64_t now_ns) const;
  void render_if_needed(std::uint64_t now_ns);
  // The guest asked for the screen saver to stay off (the app ORs the displays).
  bool blocks_screensaver() const { return screensaver_blocked_; }
  // For escape-key commands run while this window has the focus.
  CommandContext command_context(GuestInput& input, std::uint64_t now_ns);
  // Window points -> guest desktop pixels through this window's last layout and its output's
  // place in the guest desktop (the KGMO record; 0,0 without one).
  WindowPointerMap pointer_map();
  // The renderer's rotation (for --rotate on the windows the start command does not see).
  void set_user_rotation(int quarter_turns);

 private:
  ClientDisplay(const WindowOptions& window, const DisplayShared& shared, std::uint32_t wake_event);
  Result<void> start(const WindowOptions& window);
  void wake();
  void render(std::uint64_t now_ns);
  void update_title();
  std::string log_prefix() const;
  RedrawPolicy::Inputs redraw_inputs() const;

  const DisplayShared shared_;
  const std::string shm_;
  const std::uint32_t wake_event_;
  std::atomic<std::uint32_t> window_id_{0};  // set once the window exists; read by wake()

  std::unique_ptr<Window> window_;
  std::unique_ptr<Renderer> renderer_;
  void* gl_context_ = nullptr;  // SDL_GLContext of a GLES renderer (made current per display)
  std::string renderer_reason_;
  std::unique_ptr<Overlay> overlay_;
  std::unique_ptr<FrameIntake> intake_;  // after the renderer: its thread uploads into it
  Layout layout_;                        // of the last draw: maps the pointer to guest pixels

  // The frame thread's wake-up: one SDL user event in flight at a time.
  std::atomic<bool> wake_pending_{false};
  std::atomic<bool> render_requested_{false};  // the renderer asked for render() (RendererSettings::wake)

  IntakeSnapshot snap_;  // the frame thread's state as of the last look
  std::uint64_t seen_frames_ = 0, seen_cursor_moves_ = 0, seen_attention_ = 0, seen_version_ = 0;
  std::string shown_status_, shown_warning_;
  bool shown_connected_ = false;
  std::uint32_t image_width_ = 0, image_height_ = 0;
  bool screensaver_blocked_ = false;
  bool frame_pending_stats_ = false;
  bool hidden_ = false;
  RedrawPolicy redraw_;
  FrameStats stats_;
  RenderTimings timings_;
};

}  // namespace kagami::client
