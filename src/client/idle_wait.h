#pragma once
// The LGMP queues have no wake-up signal: the client polls them. After activity it spins briefly
// (a frame often follows within microseconds at high frame rates), then sleeps in short slices,
// so an idle client costs next to nothing while a new frame is still picked up within ~1 ms.
#include <cstdint>

namespace kagami::client {

class IdleWait {
 public:
  IdleWait(std::uint64_t spin_ns, std::uint64_t sleep_ns) : spin_ns_(spin_ns), sleep_ns_(sleep_ns) {}
  void activity(std::uint64_t now_ns) { last_activity_ns_ = now_ns; }
  // Waits one slice: a CPU pause while within spin_ns of the last activity, else a sleep.
  void wait(std::uint64_t now_ns) const;
  void set_sleep_ns(std::uint64_t sleep_ns) { sleep_ns_ = sleep_ns; }

 private:
  std::uint64_t spin_ns_;
  std::uint64_t sleep_ns_;
  std::uint64_t last_activity_ns_ = 0;
};

}  // namespace kagami::client
