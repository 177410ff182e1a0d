#pragma once
// Cursor messages (kvmfr-v20.md §5): the client's validated snapshot of an untrusted
// KVMFRCursor and its shape (untrusted-input.md §4).
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "common/result.h"
#include "protocol/kvmfr_layout.h"
#include "protocol/lgmp_client.h"

namespace kagami::protocol {

struct CursorShape {
  CursorType type = CursorType::color;
  std::uint32_t width = 0;
  std::uint32_t height = 0;  // as on the wire: MONOCHROME is twice the visible height
  std::uint32_t pitch = 0;
  std::int8_t hotspot_x = 0;
  std::int8_t hotspot_y = 0;
  std::vector<std::uint8_t> data;  // height * pitch bytes, private copy
};

struct CursorUpdate {
  bool has_position = false;
  std::int16_t x = 0, y = 0;  // guest desktop pixels
  bool visible = false;
  std::optional<CursorShape> shape;
};

// Copies the cursor message out of the region once and validates it.
Result<CursorUpdate> read_cursor(std::span<const std::byte> region, const LgmpMessage& msg);

// Message flags + payload for a cursor update, the way the agent writes them (KVMFRCursor +
// shape bytes). The payload must fit in `out`; returns the bytes used.
std::uint32_t cursor_flags(const CursorUpdate& update);
std::size_t write_cursor(const CursorUpdate& update, std::span<std::byte> out);

}  // namespace kagami::protocol
