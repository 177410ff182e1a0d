#pragma once
// Finding and mapping the ivshmem device's shared-memory BAR from a guest program, the way the
// real agent does it: no driver, just sysfs.
#include <cstddef>
#include <string>

namespace kagami::vm_test {

struct MappedBar {
  std::string device;  // e.g. "0000:00:04.0"
  void* data = nullptr;
  std::size_t size = 0;
};

// Finds the first PCI device with the ivshmem IDs (vendor 0x1af4, device 0x1110) and maps its
// BAR 2 (resource2_wc if present, else resource2) read/write. Prints why on failure.
bool map_ivshmem_bar(MappedBar& bar);

}  // namespace kagami::vm_test
