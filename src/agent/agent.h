#pragma once
// The guest loop: capture -> frame slot -> post, cursor updates, client messages, heartbeat.
//
// Threads
//   capture thread (the caller of run()): waits in the backend for a change, publishes frames
//     and cursor updates, reposts for new subscribers, idles when nobody is subscribed.
//   timer thread (owned by run(), a std::jthread stopped and joined on every return from it):
//     every 10 ms the LGMP heartbeat (KvmfrHost::process), then the client messages (set cursor
//     position -> backend). Sets the region up again when process() reports it corrupted.
//   host_mutex_ serialises every KvmfrHost call between the two; pixels are written outside it
//   (the FrameWrite belongs to the capture thread until finish()).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <span>
#include <stop_token>
#include <string>

#include "agent/damage_tracker.h"
#include "agent/rate_limited_log.h"
#include "capture/capture.h"
#include "common/clock.h"
#include "common/result.h"
#include "protocol/kvmfr_host.h"

namespace kagami::agent {

struct AgentConfig {
  unsigned fps_max = 0;                            // 0: no limit (frames as fast as the screen changes)
  std::chrono::milliseconds capture_timeout{100};  // a backend wait; new subscribers are served after one
  std::chrono::milliseconds idle_check{100};       // no subscribers: how often to look again
  std::chrono::milliseconds tick{10};              // the LGMP heartbeat period (B7: 10 ms)
};

// The shared memory the agent publishes into. `fd` maps `bytes` from offset 0 (for MIT-SHM), or -1.
struct AgentRegion {
  std::span<std::byte> bytes;
  int fd = -1;
  // The backing file's size now (shm::Region::current_file_size), checked every tick: a
  // /dev/shm file can be truncated under the mapping. Empty: the memory cannot shrink.
  std::function<std::uint64_t()> current_size = {};
};

struct AgentStats {
  std::uint64_t captured = 0;      // frames the backend reported
  std::uint64_t frames = 0;        // frames posted
  std::uint64_t full_copies = 0;   // of which copied whole
  std::uint64_t bytes_copied = 0;  // pixel bytes the backend wrote
  std::uint64_t copy_ns = 0;       // time the backend took to write them (read_pixels)
  std::uint64_t reposts = 0;       // last frame reposted for a new subscriber
  std::uint64_t cursor_updates = 0;
  std::uint64_t format_changes = 0;
  std::uint64_t truncated_frames = 0;
  std::uint64_t region_resets = 0;  // setup() again after LGMP_ERR_CORRUPTED
  std::uint64_t repairs = 0;        // fields a client overwrote that the heartbeat put back
  std::uint64_t client_messages = 0;
  std::uint32_t format_ver = 0;
};

class Agent {
 public:
  Agent(AgentRegion region, capture::CaptureBackend& backend, protocol::GuestInfo info,
        AgentConfig config = {});

  // Sets the region up and runs until `stop` becomes true (then the heartbeat stops, and
  // clients report "agent stopped"). Errors: the region cannot be set up, or the backend
  // failed for good.
  Result<void> run(const std::atomic<bool>& stop);

  AgentStats stats() const;
  // Whether run() returned its error because the region's file shrank under the mapping.
  bool region_shrank() const { return region_shrank_.load(); }

 private:
  struct Pending {
    bool frame = false;
    capture::FrameFormat format;
    Damage damage;  // since the last posted frame
  };

  void timer_loop(const std::atomic<bool>& stop, std::stop_token token);
  Result<void> setup_region();  // host_mutex_ held
  bool publish(Pending& pending);
  void post_cursor(const protocol::CursorUpdate& update);
  void serve_new_subscribers(bool frame_pending);
  void note_format(const capture::FrameFormat& format, std::uint32_t rows);
  protocol::FrameDescription describe(const capture::FrameFormat& format, std::uint32_t rows,
                                      std::span<const protocol::FrameDamageRect> damage) const;

  AgentRegion region_;
  capture::CaptureBackend& backend_;
  protocol::GuestInfo info_;
  AgentConfig config_;
  MonotonicClock clock_;
  SystemRandom random_;

  mutable std::mutex host_mutex_;
  protocol::KvmfrHost host_;
  std::uint64_t generation_ = 0;    // +1 per setup, under host_mutex_
  std::uint64_t repairs_seen_ = 0;  // host_.repairs() already logged, under host_mutex_

  // Timer thread only.
  RateLimitedLog reset_log_;
  RateLimitedLog repair_log_;

  // Capture thread only.
  DamageTracker tracker_;
  std::uint64_t seen_generation_ = 0;
  bool have_format_ = false;
  capture::FrameFormat format_;
  bool have_posted_ = false;
  bool frame_repost_wanted_ = false;   // a new frame subscriber has not had the last frame yet
  bool cursor_repost_wanted_ = false;  // a new pointer subscriber has not had the cursor yet
  std::uint32_t format_ver_ = 0;
  std::uint32_t frame_serial_ = 0;
  std::chrono::steady_clock::time_point next_post_{};

  // Set by the timer thread when the region's file shrank under the mapping (the heartbeat
  // stops at once; run() returns an error on its next pass).
  std::atomic<bool> region_shrank_{false};
  std::atomic<std::uint64_t> shrunk_size_{0};

  mutable std::mutex stats_mutex_;
  AgentStats stats_;
};

}  // namespace kagami::agent
