#pragma once
// The frame thread: opens the region (retrying every second), runs the KVMFR session (which is
// single-threaded and lives entirely on this thread), takes cursor updates and frames, crops each
// frame to the limits (frame_bounds.h), and hands it to Renderer::upload(), which waits for the
// agent's write pointer and stages the rows as they arrive. Then the frame is released at once.
// The draw thread learns what happened through snapshot() (under mutex_) and a wake-up
// callback; it never waits for a frame, so input and redraws go on while a frame trickles in.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>

#include "client/activation_limiter.h"
#include "client/cursor_image.h"
#include "client/renderer.h"
#include "common/clock.h"
#include "protocol/kvmfr_session.h"
#include "protocol/kvmfr_udata.h"
#include "shm/region.h"

namespace kagami::client {

// What the draw thread needs from the frame thread. Copied out under the intake's mutex.
struct IntakeSnapshot {
  std::uint64_t version = 0;  // changes whenever anything below changes
  std::string status;         // the session's message for the user
  bool connected = false;
  std::string warning;  // e.g. truncated or cropped frame ("" = none)
  std::string region;   // the region's description ("" = not open)
  std::optional<protocol::GuestInfo> guest;
  std::uint64_t rejected_frames = 0;
  std::uint64_t sessions = 0;  // agent sessions joined: a new one means a new agent

  bool cursor_visible = false;
  std::int32_t cursor_x = 0, cursor_y = 0;  // guest desktop pixels, top-left of the shape
  std::uint64_t cursor_moves = 0;           // counts position/visibility changes
  std::optional<CursorImage> cursor_image;  // a new shape, taken by the draw thread

  std::uint64_t frames = 0;             // frames uploaded (the draw thread draws when it moves)
  std::uint64_t frame_received_ns = 0;  // when the newest of them was taken from the queue
  protocol::FrameType frame_type = protocol::FrameType::invalid;
  bool block_screensaver = false;
  std::uint64_t attention_requests = 0;  // the guest asked for attention (already rate limited)

  // Summed since the last snapshot (the draw thread's per-second log).
  std::uint64_t upload_ns = 0, upload_cpu_ns = 0, upload_bytes = 0;
};

struct IntakeSettings {
  std::string shm;                       // --shm
  bool request_activation = true;        // --request-activation
  std::uint64_t stall_timeout_ms = 500;  // a write pointer that stops: show what arrived
};

class FrameIntake {
 public:
  // `wake` is called (from the frame thread) whenever the snapshot changed.
  FrameIntake(IntakeSettings settings, Renderer& renderer, std::function<void()> wake);
  ~FrameIntake();  // stops the thread (within ~10 ms) and joins it
  FrameIntake(const FrameIntake&) = delete;
  FrameIntake& operator=(const FrameIntake&) = delete;

  void stop();
  // Render thread: frames are consumed but not uploaded while hidden; the next one is full.
  void set_hidden(bool hidden) { hidden_.store(hidden, std::memory_order_relaxed); }
  // Render thread: copies the state out; moves the pending cursor image and the summed timings.
  void snapshot(IntakeSnapshot& out);

 private:
  void run(std::stop_token stop);
  bool try_open_region(std::uint64_t now_ns);
  // True while the region's file is shorter than the mapping (issue 11 item 1): the session is
  // dropped, the last image stays, the status says so; once whole, the region is mapped again
  // and a new session attaches.
  bool region_shrunk(std::uint64_t now_ns);
  bool poll_session();
  bool take_cursor_updates();
  bool take_frame(std::stop_token stop);
  bool wait_ready(const protocol::FrameLease& lease, std::uint64_t bytes, std::stop_token stop) const;
  void set_warning(std::string warning);
  void publish();  // mutex_ held by the caller: bump the version and wake the draw thread

  const IntakeSettings settings_;
  Renderer& renderer_;
  const std::function<void()> wake_;
  std::atomic<bool> hidden_{false};

  // Frame thread only.
  MonotonicClock clock_;
  SystemRandom random_;
  std::unique_ptr<shm::Region> region_;
  std::unique_ptr<protocol::KvmfrSession> session_;
  std::uint64_t next_region_attempt_ns_ = 0;
  std::uint64_t next_size_check_ns_ = 0;
  bool shrunk_ = false;
  bool need_full_ = true;
  ActivationLimiter activation_;
  std::uint64_t last_frame_ns_ = 0;
  std::uint64_t last_error_log_ns_ = 0, rejected_since_log_ = 0;
  struct Format {
    protocol::FrameType type = protocol::FrameType::invalid;
    std::uint32_t frame_width = 0, frame_height = 0, data_width = 0, data_height = 0;
    bool operator==(const Format&) const = default;
  } format_;
  std::uint64_t last_reformat_ns_ = 0;
  std::uint64_t delayed_reformats_ = 0;  // format changes in a row that had to wait
  std::uint64_t resubscribes_ = 0;
  std::string bound_warning_, truncated_warning_;

  std::mutex mutex_;
  IntakeSnapshot shared_;  // guarded by mutex_

  std::jthread thread_;  // last: starts after everything above exists
};

}  // namespace kagami::client
