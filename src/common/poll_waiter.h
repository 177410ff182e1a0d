#pragma once
// Waiting for shared memory to change when nothing can notify us (LGMP is pure polling).
// Spins for a short while after activity (the next message usually follows closely), then
// sleeps in growing steps up to a ceiling, so an idle waiter costs well under 1% of a core
// while a message is still picked up within about the ceiling.
#include <chrono>
#include <cstdint>

namespace kagami {

class PollWaiter {
 public:
  struct Config {
    std::chrono::microseconds spin{50};           // busy-check this long after activity
    std::chrono::microseconds first_sleep{20};
    std::chrono::microseconds max_sleep{200};
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
