#pragma once
// Reading the binary PPM (P6) files that QEMU's `screendump` writes.
#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace kagami::vm_test {

struct PpmImage {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  std::vector<std::uint8_t> rgb;  // width * height * 3, rows top to bottom

  // The pixel as 0x00RRGGBB, the layout the guest framebuffer uses.
  std::uint32_t pixel(std::uint32_t x, std::uint32_t y) const {
    const std::uint8_t* p = &rgb[(static_cast<std::size_t>(y) * width + x) * 3];
    return (std::uint32_t{p[0]} << 16) | (std::uint32_t{p[1]} << 8) | p[2];
  }
};

Result<PpmImage> read_ppm(const std::string& path);

}  // namespace kagami::vm_test
