#pragma once
// The one Region implementation every Linux backend shares: an open fd and its MAP_SHARED mapping.
// The backends differ only in how they find the fd and its size.
#include <string>
#include <vector>

#include "shm/region.h"

namespace kagami::shm {

// Maps `size` bytes of `fd` read-write and shared. Takes ownership of `fd` (closed on failure too).
// `what` names the source in errors and in describe(): "/dev/shm/looking-glass (32 MiB file)".
Result<std::unique_ptr<Region>> map_fd(int fd, std::uint64_t size, std::string path, std::string kind,
                                       std::vector<std::string> notes = {});

// "32 MiB" when the size is a whole number of MiB, else "12345 bytes".
std::string format_size(std::uint64_t bytes);

// The note every backend adds when a size cannot be a QEMU ivshmem BAR (power of two).
std::string power_of_two_note(const std::string& path, std::uint64_t size);

inline bool is_power_of_two(std::uint64_t value) { return value != 0 && (value & (value - 1)) == 0; }

}  // namespace kagami::shm
