#include "protocol/kvmfr_cursor.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

namespace kagami::protocol {

namespace {

constexpr std::uint32_t kMaxCursorSide = 512;

// Checks a shape's geometry (untrusted-input.md §4); empty string when it is sane.
std::string shape_problem(CursorType type, std::uint32_t width, std::uint32_t height, std::uint32_t pitch) {
  const std::uint64_t bytes = std::uint64_t{height} * pitch;
  switch (type) {
    case CursorType::color:
    case CursorType::masked_color:
      if (width == 0 || height == 0 || width > kMaxCursorSide || height > kMaxCursorSide)
        return fmt::format("a {}x{} cursor (at most {}x{})", width, height, kMaxCursorSide, kMaxCursorSide);
      if (pitch < std::uint64_t{width} * 4) return fmt::format("pitch {} is below 4 x width {}", pitch, width);
      break;
    case CursorType::monochrome:
      if (width == 0 || height == 0 || height % 2 != 0 || width > kMaxCursorSide || height > 2 * kMaxCursorSide)
        return fmt::format("a monochrome cursor of {}x{} (height must be even, at most {}x{})", width, height,
                           kMaxCursorSide, 2 * kMaxCursorSide);
      if (pitch < (width + 7) / 8) return fmt::format("pitch {} is below the {} bytes of a 1-bit row", pitch, (width + 7) / 8);
      break;
    default:
      return fmt::format("unknown cursor type {}", static_cast<std::uint32_t>(type));
  }
  if (bytes > kMaxCursorShapeBytes) return fmt::format("{} bytes of shape (at most {})", bytes, kMaxCursorShapeBytes);
  return {};
}

}  // namespace

Result<CursorUpdate> read_cursor(std::span<const std::byte> region, const LgmpMessage& msg) {
  const std::uint64_t room = payload_bytes(region, msg);
  if (room < sizeof(KvmfrCursor))
    return Error{fmt::format("cursor message of {} bytes is smaller than a cursor header", room)};
  KvmfrCursor c;  // the one read of the header
  std::memcpy(&c, region.data() + msg.offset, sizeof c);

  const std::uint32_t flags = msg.udata;
  CursorUpdate update;
  update.has_position = flags & kCursorFlagPosition;
  update.visible = flags & kCursorFlagVisible;
  update.x = c.x;
  update.y = c.y;
  if (!(flags & kCursorFlagShape)) return update;

  if (std::string problem = shape_problem(c.type, c.width, c.height, c.pitch); !problem.empty())
    return Error{"rejected cursor shape: " + problem};
  const std::uint64_t bytes = std::uint64_t{c.height} * c.pitch;
  if (sizeof(KvmfrCursor) + bytes > room)
    return Error{fmt::format("cursor shape of {} bytes does not fit its {}-byte message", bytes, room)};
  CursorShape shape;
  shape.type = c.type;
  shape.width = c.width;
  shape.height = c.height;
  shape.pitch = c.pitch;
  shape.hotspot_x = c.hx;
  shape.hotspot_y = c.hy;
  const auto* data = reinterpret_cast<const std::uint8_t*>(region.data() + msg.offset + sizeof(KvmfrCursor));
  shape.data.assign(data, data + bytes);
  update.shape = std::move(shape);
  return update;
}

std::uint32_t cursor_flags(const CursorUpdate& update) {
  return (update.has_position ? kCursorFlagPosition : 0) | (update.visible ? kCursorFlagVisible : 0) |
         (update.shape ? kCursorFlagShape : 0);
}

std::size_t write_cursor(const CursorUpdate& update, std::span<std::byte> out) {
  KvmfrCursor c{};
  c.x = update.x;
  c.y = update.y;
  std::size_t shape_bytes = 0;
  if (update.shape) {
    c.type = update.shape->type;
    c.hx = update.shape->hotspot_x;
    c.hy = update.shape->hotspot_y;
    c.width = update.shape->width;
    c.height = update.shape->height;
    c.pitch = update.shape->pitch;
    shape_bytes = std::min(update.shape->data.size(), out.size() - sizeof c);
    std::memcpy(out.data() + sizeof c, update.shape->data.data(), shape_bytes);
  }
  std::memcpy(out.data(), &c, sizeof c);
  return sizeof c + shape_bytes;
}

}  // namespace kagami::protocol
