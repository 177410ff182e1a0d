#pragma once
// Waiting for shared memory to change when nothing can notify us (LGMP is pure polling).
// Spins for a short while after activity (the next message usually follows closely), then
// sleeps in growing steps up to a ceiling, so a message in a steady stream (frames, cursor
// moves) is picked up within about the ceiling. After a long quiet spell it sleeps longer, so a
// waiter with nothing to do costs ~1-2% of a core; the first message after such a spell waits
// up to that longer sleep.
#include <chrono>
#include <cstdint>

namespace kagami {

class PollWaiter {
 public:
  struct Config {
    std::chrono::microseconds spin{50};           // busy-check this long after activity
    std::chrono::microseconds first_sleep{20};
    std::chrono::microseconds max_sleep{150};     // while activity is recent
    std::chrono::milliseconds deep_after{50};     // quiet this long: idle
    std::chrono::microseconds deep_sleep{1000};   // the sleep when idle
  };

  PollWaiter() : PollWaiter(Config{}) {}
  explicit PollWaiter(Config config) : config_(config) {}

  // Something happened: go back to spinning.
  void activity();
  // Nothing happened since the last check: spin or sleep a little.
  void idle();

 private:
  Config config_;
  std::uint64_t idle_since_ns_ = 0;
  std::chrono::microseconds sleep_{0};
};

}  // namespace kagami
