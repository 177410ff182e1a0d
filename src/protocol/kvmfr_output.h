#pragma once
// kagami's own KVMFR record (type 0x80, KvmfrKagamiOutput in kvmfr_layout.h): the guest output a
// region shows, its name and its place in the guest desktop. One region per output keeps every
// region a plain B7 session (a B7 client skips the record and shows that output alone); a kagami
// viewer uses the placement to map pointer positions from its window into the guest desktop.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"

namespace kagami::protocol {

inline constexpr std::uint16_t kMaxOutputs = 16;
inline constexpr std::size_t kMaxOutputName = 63;               // characters, without the NUL
inline constexpr std::int32_t kMaxDesktopCoordinate = 1 << 20;  // |x|, |y| of any corner
inline constexpr std::uint32_t kMaxDesktopDimension = 1 << 18;

struct OutputRect {
  std::int32_t x = 0, y = 0;
  std::uint32_t width = 0, height = 0;
  bool operator==(const OutputRect&) const = default;
};

struct OutputInfo {
  std::string name;    // "HDMI-1", "\\.\DISPLAY2"; at most kMaxOutputName characters on the wire
  OutputRect rect;     // the output in the guest desktop
  OutputRect desktop;  // the bounding box of all the guest's outputs
  std::uint16_t index = 0;
  std::uint16_t count = 1;
  bool operator==(const OutputInfo&) const = default;
};

// The record's payload (tag, fields, name + NUL); a longer name is cut to kMaxOutputName.
std::vector<std::byte> encode_output(const OutputInfo& output);

// Parses an untrusted payload. Refused (with the reason): a wrong tag or size, a name without a
// NUL, an empty or oversized rectangle, coordinates out of range, an output outside the desktop,
// index >= count or count > kMaxOutputs. Name bytes outside printable ASCII become '?' so that a
// hostile guest cannot put control sequences into logs and window titles.
Result<OutputInfo> parse_output(std::span<const std::byte> payload);

}  // namespace kagami::protocol
