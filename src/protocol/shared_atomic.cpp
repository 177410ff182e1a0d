#include "protocol/shared_atomic.h"

#include <thread>

namespace kagami::protocol {

namespace {
constexpr std::uint32_t kPureSpins = 1000;     // the holder normally releases within a few hundred ns
constexpr std::uint32_t kYields = 20'000;      // then ~10-100 ms of yields before we call the lock dead
}  // namespace

void spin_pause(std::uint32_t iteration) {
  if (iteration < kPureSpins) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  } else {
    std::this_thread::yield();
  }
}

bool spin_lock(std::uint32_t& lock) {
  for (std::uint32_t i = 0; i < kPureSpins + kYields; ++i) {
    if (try_lock(lock)) return true;
    spin_pause(i);
  }
  return false;
}

}  // namespace kagami::protocol
