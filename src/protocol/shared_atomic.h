#pragma once
// Sequentially consistent atomic access to fields that live in the shared region, the way
// B7's C11 <stdatomic.h> build does it (lgmp-v6.md §7). The fields are naturally aligned
// because every mapping starts page-aligned.
#include <atomic>
#include <cstdint>

namespace kagami::protocol {

template <class T>
inline T atomic_load(T& field) {
  return std::atomic_ref<T>(field).load();
}
template <class T>
inline void atomic_store(T& field, T value) {
  std::atomic_ref<T>(field).store(value);
}
template <class T>
inline T atomic_fetch_add(T& field, T value) {
  return std::atomic_ref<T>(field).fetch_add(value);
}
template <class T>
inline T atomic_fetch_sub(T& field, T value) {
  return std::atomic_ref<T>(field).fetch_sub(value);
}
template <class T>
inline T atomic_fetch_and(T& field, T value) {
  return std::atomic_ref<T>(field).fetch_and(value);
}
template <class T>
inline T atomic_exchange(T& field, T value) {
  return std::atomic_ref<T>(field).exchange(value);
}

// The LGMP spin locks: compare-exchange 0 -> 1.
inline bool try_lock(std::uint32_t& lock) {
  std::uint32_t expected = 0;
  return std::atomic_ref<std::uint32_t>(lock).compare_exchange_strong(expected, 1);
}
// One step of a wait loop: a CPU pause for the first iterations, then a yield of the thread.
void spin_pause(std::uint32_t iteration);

// Spins, then yields, until the lock is taken. Gives up (false) after some 10-100 ms of yields:
// a holder releases within microseconds unless it died, and the other side is untrusted and
// may hold a lock forever, which must not hang us.
bool spin_lock(std::uint32_t& lock);
inline void unlock(std::uint32_t& lock) { atomic_store(lock, 0u); }

// Holds an LGMP spin lock for a scope, if it could be taken (check locked()).
class SpinGuard {
 public:
  explicit SpinGuard(std::uint32_t& lock) : lock_(lock), locked_(spin_lock(lock)) {}
  ~SpinGuard() {
    if (locked_) unlock(lock_);
  }
  SpinGuard(const SpinGuard&) = delete;
  SpinGuard& operator=(const SpinGuard&) = delete;
  bool locked() const { return locked_; }

 private:
  std::uint32_t& lock_;
  bool locked_;
};

}  // namespace kagami::protocol
