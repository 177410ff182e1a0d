#include "protocol/kvmfr_output.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "protocol/kvmfr_frame.h"
#include "protocol/kvmfr_layout.h"

namespace kagami::protocol {

namespace {

// A rectangle a viewer can use: non-empty, not absurdly large, every corner within range
// (64-bit arithmetic: x + width cannot overflow).
bool sane(const OutputRect& r, std::uint32_t max_dimension) {
  const std::int64_t right = std::int64_t{r.x} + r.width;
  const std::int64_t bottom = std::int64_t{r.y} + r.height;
  return r.width > 0 && r.height > 0 && r.width <= max_dimension && r.height <= max_dimension &&
         r.x >= -kMaxDesktopCoordinate && r.y >= -kMaxDesktopCoordinate && right <= kMaxDesktopCoordinate &&
         bottom <= kMaxDesktopCoordinate;
}

bool inside(const OutputRect& inner, const OutputRect& outer) {
  return inner.x >= outer.x && inner.y >= outer.y &&
         std::int64_t{inner.x} + inner.width <= std::int64_t{outer.x} + outer.width &&
         std::int64_t{inner.y} + inner.height <= std::int64_t{outer.y} + outer.height;
}

}  // namespace

std::vector<std::byte> encode_output(const OutputInfo& o) {
  KvmfrKagamiOutput wire{};
  std::memcpy(wire.tag, kKagamiOutputTag, sizeof wire.tag);
  wire.x = o.rect.x;
  wire.y = o.rect.y;
  wire.width = o.rect.width;
  wire.height = o.rect.height;
  wire.desktop_x = o.desktop.x;
  wire.desktop_y = o.desktop.y;
  wire.desktop_width = o.desktop.width;
  wire.desktop_height = o.desktop.height;
  wire.index = o.index;
  wire.count = o.count;
  const std::size_t name = std::min(o.name.size(), kMaxOutputName);
  std::vector<std::byte> out(sizeof wire + name + 1);
  std::memcpy(out.data(), &wire, sizeof wire);
  std::memcpy(out.data() + sizeof wire, o.name.data(), name);
  return out;  // the last byte is the NUL
}

Result<OutputInfo> parse_output(std::span<const std::byte> payload) {
  if (payload.size() < sizeof(KvmfrKagamiOutput) + 1)
    return Error{fmt::format("output record of {} bytes is too short", payload.size())};
  KvmfrKagamiOutput wire;
  std::memcpy(&wire, payload.data(), sizeof wire);
  if (std::memcmp(wire.tag, kKagamiOutputTag, sizeof wire.tag) != 0)
    return Error{"record 0x80 is not kagami's output record (wrong tag)"};
  const std::span<const std::byte> tail = payload.subspan(sizeof wire);
  const auto* chars = reinterpret_cast<const char*>(tail.data());
  const std::size_t length = strnlen(chars, tail.size());
  if (length == tail.size()) return Error{"output record: the name has no terminating NUL"};
  if (length > kMaxOutputName)
    return Error{fmt::format("output record: a name of {} characters (at most {})", length, kMaxOutputName)};

  OutputInfo o;
  o.name.assign(chars, length);
  for (char& c : o.name) {
    if (c < 0x20 || c > 0x7e) c = '?';
  }
  o.rect = {wire.x, wire.y, wire.width, wire.height};
  o.desktop = {wire.desktop_x, wire.desktop_y, wire.desktop_width, wire.desktop_height};
  o.index = wire.index;
  o.count = wire.count;
  if (o.count == 0 || o.count > kMaxOutputs || o.index >= o.count)
    return Error{
        fmt::format("output record: output {} of {} (at most {} outputs)", o.index, o.count, kMaxOutputs)};
  if (!sane(o.rect, kMaxDesktopDimension) || o.rect.width > kMaxFrameDimension ||
      o.rect.height > kMaxFrameDimension)
    return Error{fmt::format("output record: impossible output {}x{} at {},{}", o.rect.width, o.rect.height,
                             o.rect.x, o.rect.y)};
  if (!sane(o.desktop, kMaxDesktopDimension))
    return Error{fmt::format("output record: impossible desktop {}x{} at {},{}", o.desktop.width,
                             o.desktop.height, o.desktop.x, o.desktop.y)};
  if (!inside(o.rect, o.desktop))
    return Error{fmt::format(
        "output record: the output {}x{} at {},{} lies outside the desktop {}x{} at {},{}", o.rect.width,
        o.rect.height, o.rect.x, o.rect.y, o.desktop.width, o.desktop.height, o.desktop.x, o.desktop.y)};
  return o;
}

}  // namespace kagami::protocol
