// The SIGBUS guard (see sigbus_guard.h for why). Everything the handler touches is static and
// atomic; registration claims a slot with a compare-exchange and publishes it by storing `base`
// last, so the handler never sees a half-written slot.
#include "shm/sigbus_guard.h"

#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <mutex>

namespace kagami::shm {
namespace {

struct Slot {
  std::atomic<bool> claimed{false};
  std::atomic<std::uintptr_t> base{0};  // 0: not (or no longer) registered
  std::atomic<std::size_t> length{0};
  std::atomic<int> fd{-1};
  std::atomic<std::uint64_t> faults{0};
};

Slot g_slots[SigbusGuard::kMaxGuarded];
struct sigaction g_previous {};
std::uintptr_t g_page_size = 4096;

// Maps zero pages over the part of the slot's mapping that lies past the file's end (and at least
// from the faulting page on). Returns false when the kernel refuses, so the caller dies as before.
bool absorb(Slot& slot, std::uintptr_t base, std::size_t length, std::uintptr_t address) {
  std::uintptr_t start = address & ~(g_page_size - 1);
  struct stat st {};
  if (fstat(slot.fd.load(std::memory_order_relaxed), &st) == 0 && st.st_size >= 0) {
    auto file_end = static_cast<std::uintptr_t>(st.st_size);
    file_end = (file_end + g_page_size - 1) & ~(g_page_size - 1);
    if (file_end < length) start = std::min(start, base + file_end);
  }
  std::uintptr_t end = base + length;
  void* zeros = mmap(reinterpret_cast<void*>(start), end - start, PROT_READ | PROT_WRITE,
                     MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (zeros == MAP_FAILED) return false;
  slot.faults.fetch_add(1, std::memory_order_release);
  return true;
}

void pass_on(int signal, siginfo_t* info, void* context) {
  if ((g_previous.sa_flags & SA_SIGINFO) != 0 && g_previous.sa_sigaction != nullptr) {
    g_previous.sa_sigaction(signal, info, context);
    return;
  }
  if (g_previous.sa_handler != SIG_DFL && g_previous.sa_handler != SIG_IGN) {
    g_previous.sa_handler(signal);
    return;
  }
  // Default action: SIGBUS is blocked while we run, so the raised one is delivered (and kills)
  // as soon as we return; a hardware fault would also fault again on return.
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  sigemptyset(&default_action.sa_mask);
  sigaction(SIGBUS, &default_action, nullptr);
  raise(SIGBUS);
}

void on_sigbus(int signal, siginfo_t* info, void* context) {
  // Only BUS_ADRERR is "no page behind this address" (a file mapping past its end). Others pass on:
  // si_code <= 0 was sent by a process (kill, raise; si_addr is no address), BUS_MCEERR_* is a
  // hardware memory error, BUS_ADRALN a misaligned access.
  if (info->si_code != BUS_ADRERR) {
    pass_on(signal, info, context);
    return;
  }
  auto address = reinterpret_cast<std::uintptr_t>(info->si_addr);
  for (Slot& slot : g_slots) {
    std::uintptr_t base = slot.base.load(std::memory_order_acquire);
    if (base == 0 || address < base) continue;
    std::size_t length = slot.length.load(std::memory_order_relaxed);
    if (address - base >= length) continue;
    if (absorb(slot, base, length, address)) return;
    break;
  }
  pass_on(signal, info, context);
}

void install_handler() {
  g_page_size = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
  struct sigaction action {};
  action.sa_sigaction = on_sigbus;
  action.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
  sigemptyset(&action.sa_mask);
  sigaction(SIGBUS, &action, &g_previous);
}

}  // namespace

SigbusGuard::SigbusGuard(void* base, std::size_t length, int fd) {
  static std::once_flag installed;
  std::call_once(installed, install_handler);
  for (int i = 0; i < kMaxGuarded; ++i) {
    bool expected = false;
    if (!g_slots[i].claimed.compare_exchange_strong(expected, true)) continue;
    Slot& slot = g_slots[i];
    slot.length.store(length, std::memory_order_relaxed);
    slot.fd.store(fd, std::memory_order_relaxed);
    slot.faults.store(0, std::memory_order_relaxed);
    slot.base.store(reinterpret_cast<std::uintptr_t>(base), std::memory_order_release);
    slot_ = i;
    return;
  }
}

SigbusGuard::~SigbusGuard() {
  if (slot_ < 0) return;
  g_slots[slot_].base.store(0, std::memory_order_release);
  g_slots[slot_].claimed.store(false, std::memory_order_release);
}

std::uint64_t SigbusGuard::faults() const {
  return slot_ < 0 ? 0 : g_slots[slot_].faults.load(std::memory_order_acquire);
}

}  // namespace kagami::shm
