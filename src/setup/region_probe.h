#pragma once
// Reads who wrote the region: the LGMP header and the KVMFR header in its user data. Plain reads of
// the first 5760 + 48 bytes with the protocol layout; every value is treated as untrusted text.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"

namespace kagami::setup {

struct RegionHeader {
  bool all_zero = true;  // nobody has written the header yet
  std::uint32_t lgmp_magic = 0;
  std::uint32_t lgmp_version = 0;
  std::uint32_t session_id = 0;
  std::uint64_t timestamp = 0;  // the host's heartbeat (ms), moves while the agent runs
  std::uint32_t udata_size = 0;
  bool has_kvmfr = false;  // udata holds a KVMFR header with the right magic
  std::uint32_t kvmfr_version = 0;
  std::string host_version;  // printable characters of KVMFR hostver only
  bool lgmp_ok() const;      // LGMP magic and version 6
};

// Bytes the probe reads from the start of the region.
std::size_t region_header_bytes();

RegionHeader parse_region_header(std::span<const std::byte> bytes);

// The first region_header_bytes() of a /dev/shm file (pread) or /dev/kvmfrN device (mmap).
Result<std::vector<std::byte>> read_region_start(const std::string& path);

// "Looking Glass B7" for KVMFR 20 and "Looking Glass B6" for 19; "" when not known.
std::string looking_glass_release(std::uint32_t kvmfr_version);

}  // namespace kagami::setup
