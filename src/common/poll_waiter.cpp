#include "common/poll_waiter.h"

#include <algorithm>
#include <thread>

#include "common/clock.h"

namespace kagami {

void PollWaiter::activity() {
  idle_since_ns_ = 0;
  sleep_ = std::chrono::microseconds{0};
}

void PollWaiter::idle() {
  const std::uint64_t now = monotonic_ns();
  if (idle_since_ns_ == 0) idle_since_ns_ = now;
  if (now - idle_since_ns_ < static_cast<std::uint64_t>(config_.spin.count()) * 1000) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
    return;
  }
  const bool deep = now - idle_since_ns_ >= static_cast<std::uint64_t>(
                                                std::chrono::nanoseconds(config_.deep_after).count());
  sleep_ = deep ? config_.deep_sleep
                : sleep_.count() == 0 ? config_.first_sleep : std::min(sleep_ * 2, config_.max_sleep);
  std::this_thread::sleep_for(sleep_);
}

}  // namespace kagami
