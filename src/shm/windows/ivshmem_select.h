#pragma once
// Choosing among the guest's IVSHMEM devices (B7: sorted by PCI bus and address, pick an index).
// Pure, no OS headers: parsing of the --shm value and the choice are unit-tested natively.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace kagami::shm {

// What SetupDi reports for one device, plus its size once asked (IOCTL_IVSHMEM_REQUEST_SIZE).
struct IvshmemDevice {
  std::uint32_t bus = 0xFFFF;          // SPDRP_BUSNUMBER; 0xFFFF when unknown (as B7)
  std::uint32_t address = 0xFFFFFFFF;  // SPDRP_ADDRESS: device << 16 | function; all ones when unknown
  std::uint64_t size = 0;              // BAR2 bytes; 0 when not (yet) known
  std::size_t enumeration_index = 0;   // position in the SetupDi enumeration
};

// "ivshmem" (the first device), "ivshmem:N" (the N-th in bus/address order), "ivshmem:SIZE"
// (the device of that size: 32M, 64M, 1G; a suffix is required).
struct IvshmemSelector {
  std::optional<std::size_t> index;
  std::optional<std::uint64_t> size;
};

// True for "ivshmem" and "ivshmem:..." (the rest is a file path).
bool is_ivshmem_spec(std::string_view spec);
Result<IvshmemSelector> parse_ivshmem_spec(std::string_view spec);

// B7's order: ascending (bus << 32 | address).
void sort_ivshmem_devices(std::vector<IvshmemDevice>& devices);

// Index into the sorted devices. Errors list what exists ("2 IVSHMEM devices: #0 bus 0 device 3
// 32 MiB, #1 ...") so the user can pick.
Result<std::size_t> select_ivshmem_device(const std::vector<IvshmemDevice>& sorted,
                                          const IvshmemSelector& selector);

// "bus 0, device 3, function 0, 32 MiB" for logs and errors.
std::string describe_ivshmem_device(const IvshmemDevice& device);

}  // namespace kagami::shm
