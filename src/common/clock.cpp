#include "common/clock.h"

#include <chrono>
#include <random>

namespace kagami {

std::uint64_t monotonic_ns() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(
          std::chrono::steady_clock::now().time_since_epoch())
          .count());
}

std::uint64_t MonotonicClock::now_ms() { return monotonic_ns() / 1'000'000 + 1; }

SystemRandom::SystemRandom() {
  std::random_device device;
  state_ = (std::uint64_t{device()} << 32) | device();
}

std::uint32_t SystemRandom::next_u32() {
  // splitmix64: small, fast, good enough for session and client IDs.
  std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return static_cast<std::uint32_t>((z ^ (z >> 31)) >> 16);
}

}  // namespace kagami
