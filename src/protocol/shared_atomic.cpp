#include "protocol/shared_atomic.h"

#include <thread>

namespace kagami::protocol {

namespace {
constexpr int kPureSpins = 1000;     // the holder normally releases within a few hundred ns
constexpr int kYields = 2'000'000;   // then ~0.3-2 s of yields before we call the lock dead
}  // namespace

bool spin_lock(std::uint32_t& lock) {
  for (int i = 0; i < kPureSpins; ++i) {
    if (try_lock(lock)) return true;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  }
  for (int i = 0; i < kYields; ++i) {
    if (try_lock(lock)) return true;
    std::this_thread::yield();
  }
  return false;
}

}  // namespace kagami::protocol
