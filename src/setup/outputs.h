#pragma once
// Several guest outputs (multi-monitor): one region per output. Output 1 uses the region the
// user named; output N (N >= 2) the same name with "-N" appended: /dev/shm/looking-glass-2,
// <shmem name='looking-glass-2'>, QEMU ids kagami-shm-2. The agent in the guest is then started
// with one `--output X --device ivshmem:BDF` pair per output (docs/setup.md, "Several monitors").
#include <string>

namespace kagami::setup {

inline constexpr unsigned kMaxOutputs = 16;  // what the KVMFR output record allows

// The region of output `index` (0-based) when output 0 uses `first`.
std::string output_region(const std::string& first, unsigned index);

}  // namespace kagami::setup
