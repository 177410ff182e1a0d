#pragma once
// Time and randomness, injected: the protocol layer sees only these interfaces, so its tests
// run on a fake clock and a scripted random sequence.
#include <cstdint>

namespace kagami {

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds of a monotonic clock. Never 0 (0 means "clock failure" in LGMP).
  virtual std::uint64_t now_ms() = 0;
};

class RandomSource {
 public:
  virtual ~RandomSource() = default;
  virtual std::uint32_t next_u32() = 0;
};

// CLOCK_MONOTONIC in ms (+1, so it is never 0, as the B7 Windows host does).
class MonotonicClock final : public Clock {
 public:
  std::uint64_t now_ms() override;
};

// Seeded from the OS entropy source.
class SystemRandom final : public RandomSource {
 public:
  SystemRandom();
  std::uint32_t next_u32() override;

 private:
  std::uint64_t state_;
};

// Monotonic nanoseconds: latency markers and measurements.
std::uint64_t monotonic_ns();

}  // namespace kagami
