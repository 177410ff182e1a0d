// Fuzzes the parsers of single untrusted records: the KVMFR user data, a frame header and a
// cursor message, each read straight from the fuzzer's bytes as if they were the region.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "protocol/kvmfr_cursor.h"
#include "protocol/kvmfr_frame.h"
#include "protocol/kvmfr_udata.h"

using namespace kagami::protocol;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // A private, exactly-sized copy: ASan flags any read past the input.
  std::vector<std::byte> bytes(size);
  if (size) std::memcpy(bytes.data(), data, size);
  const std::span<const std::byte> region(bytes);

  if (auto info = parse_udata(region); info.ok() && info->output) {
    // kagami's output record: what the validation promises a viewer.
    const OutputInfo& o = *info->output;
    if (o.index >= o.count || o.rect.width == 0 || o.rect.x < o.desktop.x ||
        std::int64_t{o.rect.x} + o.rect.width > std::int64_t{o.desktop.x} + o.desktop.width)
      __builtin_trap();
  }

  const LgmpMessage whole{0, static_cast<std::uint32_t>(size), 0};
  if (auto frame = validate_frame(region, whole); frame.ok()) {
    // Touch the first and last pixel byte the validation promised.
    if (frame->data_size) {
      volatile std::byte first = bytes[frame->pixels_offset];
      volatile std::byte last = bytes[frame->pixels_offset + frame->data_size - 1];
      (void)first;
      (void)last;
    }
  }
  for (std::uint32_t flags : {kCursorFlagShape | kCursorFlagPosition, kCursorFlagPosition}) {
    if (auto cursor = read_cursor(region, {flags, static_cast<std::uint32_t>(size), 0}); cursor.ok() && cursor->shape) {
      if (cursor->shape->data.size() != std::size_t{cursor->shape->height} * cursor->shape->pitch) __builtin_trap();
    }
  }
  return 0;
}
