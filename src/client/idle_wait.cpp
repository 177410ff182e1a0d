#include "client/idle_wait.h"

#include <sched.h>
#include <time.h>

namespace kagami::client {

void IdleWait::wait(std::uint64_t now_ns) const {
  if (now_ns - last_activity_ns_ < spin_ns_) {
    sched_yield();
    return;
  }
  timespec ts{static_cast<time_t>(sleep_ns_ / 1'000'000'000), static_cast<long>(sleep_ns_ % 1'000'000'000)};
  clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, nullptr);
}

}  // namespace kagami::client
