#pragma once
// One client window showing one region (one guest output): its Window, Renderer, Overlay,
// FrameIntake (with the frame thread and the KVMFR session), the redraw policy, the statistics and
// the title/status. A display never looks at another, so one region vanishing or its agent
// restarting only changes its own window.
//
// Three threads per display, each owning its part (docs/client.md, "Threads"):
// - the event thread (ClientApp's, the one that created the window): the Window and everything SDL
//   wants on that thread (title, size, attention), the pointer map, the commands. It hands the
//   draw thread a ViewState (what the options, commands and keys say is to be drawn) and requests
//   (redraw, rotation, vsync, a job such as a screenshot) under mutex_, and wakes it;
// - the draw thread (draw_loop): owns the Renderer's render side (its GL context is current there
//   only), the redraw policy, the statistics and the intake snapshot; it sleeps until woken or
//   the next redraw deadline, commits, draws and presents. What the event thread must act on
//   (title, resize, attention, the drawn layout for the pointer) it leaves under mutex_ and, for
//   window changes, pushes an SDL user event for this window;
// - the frame thread (FrameIntake): uploads, and wakes the draw thread directly.
#include <SDL2/SDL.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

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

// What every display reads from the process-wide part (ClientApp): owned there, borrowed for the
// display's lifetime, read on the event thread only (the draw thread gets a ViewState copy).
struct DisplayShared {
  Options& options;
  const Commands& commands;
  const KeyBindingState& keys;
  const std::string& input_note;  // why input does not reach the guest ("" when it does)
  bool several = false;           // more than one window: log lines name the region
};

// The event thread's view of what is to be drawn, copied to the draw thread when it changes.
struct ViewState {
  bool hidden = false;  // minimised/hidden window
  bool escape_held = false;
  bool overlays = true;  // escape key + O
  bool show_stats = false, show_cursor = true, upscale = true;
  ScaleMode scale = ScaleMode::fit;
  FilterMode filter = FilterMode::automatic;
  PresentMode present = PresentMode::on_frame;
  bool follow_guest_size = false;
  int points_width = 0, points_height = 0;  // SDL window size (the overlay's layout size)
  std::string input_note;
  const char* escape_key_name = "";
  bool operator==(const ViewState&) const = default;
};

class ClientDisplay {
 public:
  // Opens the window and its renderer (on the calling thread, which becomes the display's event
  // thread), starts the frame thread on `window.shm` and the draw thread. The draw thread asks
  // the event thread for window changes with an SDL user event of type `wake_event` whose
  // windowID is this display's window.
  static Result<std::unique_ptr<ClientDisplay>> open(const WindowOptions& window, const DisplayShared& shared,
                                                     std::uint32_t wake_event);
  // Stops the draw thread and the frame thread, then frees the renderer, overlay and window.
  ~ClientDisplay();
  ClientDisplay(const ClientDisplay&) = delete;
  ClientDisplay& operator=(const ClientDisplay&) = delete;

  // Any thread.
  std::uint32_t window_id() const { return window_id_.load(); }
  const std::string& shm() const { return shm_; }
  // The guest asked for the screen saver to stay off (the app ORs the displays).
  bool blocks_screensaver() const { return screensaver_blocked_.load(); }

  // Event thread, all below.
  // An event for this window (by SDL window id), or its draw thread's request: window events
  // change the hidden state and the redraw policy; the request applies the title, size and
  // attention the draw thread asked for.
  void handle_event(const SDL_Event& e);
  // A client command or the escape key changed what is drawn.
  void changed();
  // Video off (escape key + V) or the window hidden: frames are consumed but not uploaded.
  void update_intake_hidden();
  // Hands the draw thread the options, commands and keys as they are now (cheap when unchanged).
  void sync_view();
  // For escape-key commands run while this window has the focus.
  CommandContext command_context(GuestInput& input, std::uint64_t now_ns);
  // Window points -> guest desktop pixels through this window's last drawn layout and its
  // output's place in the guest desktop (the KGMO record; 0,0 without one).
  WindowPointerMap pointer_map();
  // The renderer's rotation (for --rotate on the windows the start command does not see).
  void set_user_rotation(int quarter_turns);

 private:
  ClientDisplay(const WindowOptions& window, const DisplayShared& shared, std::uint32_t wake_event);
  Result<void> start(const WindowOptions& window);
  ViewState current_view() const;
  // Runs `job` on the draw thread (where the renderer's context is current), before its next draw.
  void post(std::function<void()> job);
  Result<GuestImage> read_guest_image();

  // Draw thread.
  void draw_loop(std::stop_token stop);
  // Frame or renderer thread: something for the draw thread (`by_frame_path`: a frame's progress,
  // which the latency trace stamps as the draw thread's wake-up).
  void wake_draw(bool by_frame_path);
  void take_snapshot();
  void render(std::uint64_t now_ns);
  void update_title();
  void request_window_work();  // pushes the SDL event for this window (one in flight)
  std::string log_prefix() const;
  RedrawPolicy::Inputs redraw_inputs() const;

  const DisplayShared shared_;
  const std::string shm_;
  const std::uint32_t wake_event_;
  std::atomic<std::uint32_t> window_id_{0};  // set once the window exists
  std::atomic<bool> screensaver_blocked_{false};

  std::unique_ptr<Window> window_;  // event thread
  std::unique_ptr<Renderer> renderer_;
  std::string renderer_reason_;
  std::unique_ptr<Overlay> overlay_;
  std::unique_ptr<FrameIntake> intake_;  // after the renderer: its thread uploads into it

  // Event thread only.
  bool hidden_ = false;
  ViewState sent_view_;  // the last ViewState handed over

  // Guarded by mutex_: event thread -> draw thread.
  std::mutex mutex_;
  std::condition_variable_any cv_;
  bool pending_ = false;      // anything below (or a frame) for the draw thread
  bool frame_woken_ = false;  // by the frame thread or the renderer
  std::optional<ViewState> new_view_;
  int changed_settle_ = -1;  // -1: no change asked for
  std::uint64_t keep_drawing_until_ns_ = 0;
  std::vector<std::function<void()>> jobs_;
  // Guarded by mutex_: draw thread -> event thread.
  std::optional<std::string> new_title_;
  std::optional<std::pair<std::uint32_t, std::uint32_t>> new_size_;
  std::uint64_t attention_requests_ = 0;
  DrawnView drawn_;  // the pointer map's input
  std::uint32_t shown_width_ = 0, shown_height_ = 0;
  std::atomic<bool> window_work_pending_{false};  // one SDL event in flight

  std::atomic<bool> render_requested_{false};  // the renderer asked for render() (RendererSettings::wake)

  // Draw thread only (start() reads on_draw_thread_ before the draw thread exists).
  bool on_draw_thread_ = false;  // update_title() runs there, not in start()
  ViewState view_;
  IntakeSnapshot snap_;  // the frame thread's state as of the last look
  std::uint64_t seen_frames_ = 0, seen_cursor_moves_ = 0, seen_attention_ = 0, seen_version_ = 0;
  std::string shown_status_, shown_warning_, title_;
  bool shown_connected_ = false;
  std::uint32_t image_width_ = 0, image_height_ = 0;
  bool frame_pending_stats_ = false;
  bool drawn_once_ = false;
  std::uint64_t last_presented_ns_ = 0;
  RedrawPolicy redraw_;
  FrameStats stats_;
  RenderTimings timings_;

  std::jthread draw_thread_;  // started last in start(), stopped first in the destructor
};

}  // namespace kagami::client
