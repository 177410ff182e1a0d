#pragma once
// Injects pointer motion into an X server with XTest at a steady rate, each motion to a position
// of its own, and remembers when each was sent: with the client's trace of when it handled each
// position (stage_trace.h) that gives the event latency while frames stream.
#include <xcb/xcb.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace kagami::bench {

class MotionInjector {
 public:
  explicit MotionInjector(const std::string& display);
  ~MotionInjector();
  MotionInjector(const MotionInjector&) = delete;
  MotionInjector& operator=(const MotionInjector&) = delete;

  // Forgets what was sent before; starts a thread sending a motion every `period_us` (to positions
  // inside 1..999 x 1..999).
  void start(int period_us);
  void stop();
  // (x, y) -> CLOCK_MONOTONIC ns just after the request was flushed to the server.
  const std::map<std::pair<int, int>, std::uint64_t>& sent() const { return sent_; }

 private:
  xcb_connection_t* c_;
  xcb_window_t root_ = 0;
  std::thread thread_;
  std::atomic<bool> running_{false};
  std::map<std::pair<int, int>, std::uint64_t> sent_;  // written by the thread until stop()
  int next_ = 0;
};

}  // namespace kagami::bench
