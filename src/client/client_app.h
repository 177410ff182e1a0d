#pragma once
// The client's one thread: SDL events, the KVMFR session, frame upload, drawing and presenting.
// One thread on purpose: the GL context, SDL's window and the session all belong to it, and a
// frame goes from "message seen" to "presented" without a hand-off.
#include <GLES3/gl3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "client/commands.h"
#include "client/cursor_renderer.h"
#include "client/frame_renderer.h"
#include "client/frame_stats.h"
#include "client/guest_input.h"
#include "client/idle_wait.h"
#include "client/key_bindings.h"
#include "client/options.h"
#include "client/overlay.h"
#include "client/window.h"
#include "common/clock.h"
#include "protocol/kvmfr_session.h"
#include "shm/region.h"

namespace kagami::client {

class ClientApp {
 public:
  explicit ClientApp(Options options);
  ~ClientApp();
  // Runs until the window is closed or the quit command; returns the exit code.
  int run();

 private:
  Result<void> start();
  void try_open_region(std::uint64_t now_ns);
  void handle_events();
  CommandContext command_context();
  void run_command(Command command);
  void poll_session();
  void take_cursor_updates();
  void take_frame();
  void render(std::uint64_t now_ns);
  bool needs_redraw(std::uint64_t now_ns) const;
  void set_status(const std::string& status);
  void update_title();

  Options options_;
  std::unique_ptr<Window> window_;
  std::unique_ptr<FrameRenderer> renderer_;
  std::unique_ptr<CursorRenderer> cursor_;
  std::unique_ptr<Overlay> overlay_;
  std::optional<KeyBindingState> keys_;
  std::unique_ptr<GuestInput> input_;
  Commands commands_;       // what the escape-key commands do (commands.cpp)
  std::string input_note_;  // why input does not reach the guest ("" when it does)
  std::uint64_t next_note_check_ns_ = 0;
  Layout layout_;  // of the last draw: maps the pointer to guest pixels

  MonotonicClock clock_;
  SystemRandom random_;
  std::unique_ptr<shm::Region> region_;
  std::unique_ptr<protocol::KvmfrSession> session_;
  std::uint64_t next_region_attempt_ns_ = 0;

  std::string status_;
  std::string warning_;  // e.g. the frame was truncated: the region is too small
  protocol::SessionState last_state_ = protocol::SessionState::waiting_for_agent;
  std::uint64_t last_sessions_ = 0;
  std::uint64_t last_resubscribes_ = 0;

  bool running_ = true;
  bool hidden_ = false;
  bool need_full_upload_ = true;
  bool have_serial_ = false;
  std::uint32_t last_serial_ = 0;
  std::uint32_t image_width_ = 0, image_height_ = 0;
  protocol::FrameType frame_type_ = protocol::FrameType::invalid;
  bool screensaver_blocked_ = false;
  GLint max_texture_size_ = 4096;  // queried at start

  // Cursor in guest desktop pixels (top-left of the shape, as the agent reports it).
  bool cursor_visible_ = false;
  std::int32_t cursor_x_ = 0, cursor_y_ = 0;

  bool cursor_moved_ = false;  // only the cursor changed (redraws are rate limited)
  std::uint64_t last_present_ns_ = 0;
  bool dirty_ = true;                  // something changed: redraw
  int settle_frames_ = 0;              // extra redraws so ImGui windows can size themselves
  std::uint64_t redraw_until_ns_ = 0;  // keep drawing for a moment after a resize (see handle_events)
  std::uint64_t frame_received_ns_ = 0;
  bool frame_pending_stats_ = false;
  std::uint64_t last_stats_draw_ns_ = 0;
  std::uint64_t last_error_log_ns_ = 0;
  std::uint64_t rejected_since_log_ = 0;

  FrameStats stats_;
  struct Timings {  // summed over a second, logged at debug level
    std::uint64_t since_ns = 0, upload_ns = 0, draw_ns = 0, present_ns = 0, draws = 0, frames = 0;
  } timings_;
  IdleWait idle_{200'000, 1'000'000};
};

}  // namespace kagami::client
