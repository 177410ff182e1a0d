#include "agent/rate_limited_log.h"

#include <spdlog/spdlog.h>

namespace kagami::agent {

void RateLimitedLog::warn(std::string message) {
  if (unlogged_ == 0) first_unlogged_ = std::chrono::steady_clock::now();
  ++unlogged_;
  message_ = std::move(message);
  if (lines_ == 0 || std::chrono::steady_clock::now() - last_line_ >= interval_) write();
}

void RateLimitedLog::flush() {
  if (unlogged_ > 0 && std::chrono::steady_clock::now() - last_line_ >= interval_) write();
}

void RateLimitedLog::write() {
  const auto now = std::chrono::steady_clock::now();
  if (unlogged_ == 1) {
    spdlog::warn("{}", message_);
  } else {
    spdlog::warn("{} ({} times in the last {:.1f} s)", message_, unlogged_,
                 std::chrono::duration<double>(now - first_unlogged_).count());
  }
  last_line_ = now;
  unlogged_ = 0;
  ++lines_;
}

}  // namespace kagami::agent
