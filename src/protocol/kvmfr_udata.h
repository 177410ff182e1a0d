#pragma once
// The KVMFR header and its records in LGMP user data (kvmfr-v20.md §1): what the guest says
// about itself. Written by the agent, parsed (untrusted) by the client.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "protocol/kvmfr_layout.h"
#include "protocol/kvmfr_output.h"

namespace kagami::protocol {

struct VmInfo {
  std::array<std::uint8_t, 16> uuid{};  // all zero = unknown
  std::string capture;                  // capture backend name, at most 31 chars on the wire
  std::uint8_t cpus = 0;
  std::uint8_t cores = 0;
  std::uint8_t sockets = 0;
  std::string model;  // CPU model
};

struct OsInfo {
  std::uint8_t os = static_cast<std::uint8_t>(KvmfrOs::other);  // raw KvmfrOs value as sent
  std::string name;
};

struct GuestInfo {
  std::string host_version;  // at most 31 chars on the wire
  std::uint32_t features = 0;
  std::optional<VmInfo> vm;
  std::optional<OsInfo> os;
  std::optional<OutputInfo> output;  // kagami's record: the region shows one of the guest's outputs
  std::vector<std::string> warnings;  // parser: records that were malformed and skipped
};

// "Linux", "BSD", "macOS", "Windows", "Other", or "Unknown" for values past the table.
const char* os_name(std::uint8_t os);

// The user data as the B7 host writes it: header, VMINFO (if any), OSINFO (if any); then
// kagami's output record (if any), last, where a B7 client skips it.
std::vector<std::byte> build_udata(const GuestInfo& info);

// Parses untrusted user data. Errors say what is wrong in the user's terms, e.g.
// "the agent speaks KVMFR 19 (Looking Glass B6); kagami speaks KVMFR 20 (Looking Glass B7)".
Result<GuestInfo> parse_udata(std::span<const std::byte> udata);

}  // namespace kagami::protocol
