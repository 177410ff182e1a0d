// Guest program: writes the byte pattern of a seed over the whole ivshmem BAR, or checks that the
// BAR holds it (written by the host into the /dev/shm file). Proves the BAR is the host's file.
// Usage: kagami-vm-ivshmem write|check SEED
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "pci_bar.h"
#include "test_pattern.h"

using kagami::vm_test::pattern_byte;

int main(int argc, char** argv) {
  if (argc != 3 || (std::strcmp(argv[1], "write") != 0 && std::strcmp(argv[1], "check") != 0)) {
    std::fprintf(stderr, "usage: %s write|check SEED\n", argv[0]);
    return 2;
  }
  const bool write = std::strcmp(argv[1], "write") == 0;
  const auto seed = static_cast<std::uint32_t>(std::strtoul(argv[2], nullptr, 0));
  kagami::vm_test::MappedBar bar;
  if (!kagami::vm_test::map_ivshmem_bar(bar)) return 1;

  // Build the pattern in RAM first, so the timed part is one copy into (or out of) the BAR.
  std::vector<unsigned char> pattern(bar.size);
  for (std::size_t i = 0; i < bar.size; ++i) pattern[i] = pattern_byte(i, seed);
  auto* mem = static_cast<unsigned char*>(bar.data);
  const auto start = std::chrono::steady_clock::now();
  std::size_t mismatches = 0;
  std::size_t first_mismatch = 0;
  if (write) {
    std::memcpy(mem, pattern.data(), bar.size);
  } else {
    for (std::size_t i = 0; i < bar.size; ++i) {
      if (mem[i] != pattern[i] && mismatches++ == 0) first_mismatch = i;
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%s %zu bytes, BAR of %s, in %.1f ms (%.0f MB/s)\n", write ? "wrote" : "checked", bar.size,
              bar.device.c_str(), seconds * 1e3, static_cast<double>(bar.size) / seconds / 1e6);
  if (mismatches != 0) {
    std::printf("%zu bytes differ from the pattern of seed %u, first at offset %zu\n", mismatches, seed,
                first_mismatch);
    return 1;
  }
  return 0;
}
