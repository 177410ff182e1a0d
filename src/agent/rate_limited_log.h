#pragma once
// A warning that can repeat every heartbeat tick (a client scribbling on the region each 10 ms
// would otherwise write 100 lines a second): logged at most once per interval, the line saying
// how often it happened since the last one. One per kind of warning; not thread-safe (each is
// used from one thread).
#include <chrono>
#include <cstdint>
#include <string>

namespace kagami::agent {

class RateLimitedLog {
 public:
  explicit RateLimitedLog(std::chrono::milliseconds interval = std::chrono::seconds(1))
      : interval_(interval) {}

  // Counts the event; logs `message` (plus the count) if the interval has passed since the last line.
  void warn(std::string message);
  // Logs the events counted but not yet logged once the interval has passed (call each tick,
  // so the last burst of an attack is reported too).
  void flush();

  std::uint64_t lines() const { return lines_; }  // lines written (tests)

 private:
  void write();

  std::chrono::milliseconds interval_;
  std::chrono::steady_clock::time_point last_line_{};
  std::chrono::steady_clock::time_point first_unlogged_{};
  std::uint64_t unlogged_ = 0;
  std::string message_;
  std::uint64_t lines_ = 0;
};

}  // namespace kagami::agent
