#pragma once
// The SIGBUS guard: a file that shrinks under a live MAP_SHARED mapping must not kill the process.
//
// Why: touching a page of a file mapping past the file's current end raises SIGBUS, and the
// default action ends the process. A region is shared with QEMU, the guest and other programs;
// anyone can `truncate` the /dev/shm file (`kagami-setup shm --size`, a careless script), and
// every read or write of the region — the client's frame copy, the agent's publish — would die.
//
// How: each mapping is registered here. One process-wide SIGBUS handler looks the fault address
// up; inside a registered mapping it maps anonymous zero pages (MAP_FIXED|MAP_PRIVATE|
// MAP_ANONYMOUS) over the part of the mapping past the file's current end (fstat), counts the
// fault in the mapping's slot, and returns: the interrupted instruction runs again and reads
// zeros (writes land in private memory that nobody sees). The owner notices through the count
// (Region::shrunk()) and the file size (Region::current_file_size()), tells the user, and maps
// the file again once it is whole (Region::remap()). A SIGBUS anywhere else goes to the handler
// that was installed before ours, or kills the process with the default action, as before.
//
// The handler uses only fstat, mmap and atomics on a fixed static table (no locks, no malloc):
// async-signal-safe on Linux. The table holds kMaxGuarded mappings; beyond that guard() returns
// no slot and the mapping is unguarded (the caller says so).
#include <cstddef>
#include <cstdint>

namespace kagami::shm {

class SigbusGuard {
 public:
  static constexpr int kMaxGuarded = 64;

  // Registers [base, base + length), a MAP_SHARED mapping of `fd` from offset 0. Installs the
  // handler on first use. `fd` must stay open until the guard is destroyed. valid() is false when
  // the table is full.
  SigbusGuard(void* base, std::size_t length, int fd);
  ~SigbusGuard();  // unregisters: destroy the guard before munmap() and close()
  SigbusGuard(const SigbusGuard&) = delete;
  SigbusGuard& operator=(const SigbusGuard&) = delete;

  bool valid() const { return slot_ >= 0; }
  // How many faults past the file's end the handler absorbed since registration (only grows).
  std::uint64_t faults() const;

 private:
  int slot_ = -1;
};

}  // namespace kagami::shm
