#pragma once
// The known content the VM tests put into the guest (framebuffer, ivshmem BAR) and check on the
// host. Shared by the static guest programs and the host-side tests so both sides agree.
// Header-only and libc-only: the guest programs link statically.
#include <cstddef>
#include <cstdint>

namespace kagami::vm_test {

// One XRGB8888 pixel (red at bit 16) of the picture for `seed`: coloured blocks whose colours
// depend on the seed, so a new seed changes every block, and an exact position check catches
// offsets, strides and channel swaps.
inline std::uint32_t pattern_pixel(std::uint32_t x, std::uint32_t y, std::uint32_t seed) {
  const std::uint32_t block = (x / 32) * 131u + (y / 32) * 37u + seed * 97u;
  const std::uint32_t r = (block * 53u + 11u) & 0xff;
  const std::uint32_t g = (block * 29u + x / 8 + 71u) & 0xff;
  const std::uint32_t b = (block * 17u + y / 8 + seed) & 0xff;
  return (r << 16) | (g << 8) | b;
}

// Byte `offset` of the byte pattern for `seed` (ivshmem checks): never constant over a
// page, differs between seeds, and encodes the offset so misplaced pages are caught.
inline std::uint8_t pattern_byte(std::size_t offset, std::uint32_t seed) {
  const std::uint64_t v = (offset / 4096) * 2654435761u + (offset % 4096) * 40503u + seed * 7919u;
  return static_cast<std::uint8_t>(v ^ (v >> 13));
}

}  // namespace kagami::vm_test
