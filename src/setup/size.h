#pragma once
// Region sizing: the reference formula (kvmfr-v20.md §8) and parsing of the user's sizes.
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace kagami::setup {

inline constexpr std::uint64_t kMiB = 1024 * 1024;
// Looking Glass B7 keeps the size in a C int (and LGMP in a u32): larger regions fail there.
inline constexpr std::uint64_t kMaxRegionBytes = 1024 * kMiB;

struct Resolution {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
};

// "1920x1080" (also "1920X1080"); both values 1..16384.
Result<Resolution> parse_resolution(std::string_view text);

// "32" or "32M" or "32MiB" = 32 MiB; "1G"/"1GiB"; "512K"/"512KiB"; "33554432B" = bytes.
Result<std::uint64_t> parse_size(std::string_view text);

// The steps of the formula 2^ceil(log2(W*H*bpp*2/MiB + 10)) MiB, kept for the explanation.
struct RegionSizeCalc {
  Resolution resolution;
  bool hdr = false;
  std::uint32_t bytes_per_pixel = 4;  // 4 SDR (BGRA), 8 HDR (RGBA16F)
  std::uint64_t frame_bytes = 0;      // W * H * bpp
  std::uint64_t needed_bytes = 0;     // two frames + 10 MiB (cursor, LGMP headers, alignment)
  std::uint64_t region_bytes = 0;     // needed_bytes rounded up to a power of two
};

RegionSizeCalc region_size_for(Resolution resolution, bool hdr);

// The calculation written out for `kagami-setup size`, ending with what to do with the number.
std::string explain_region_size(const RegionSizeCalc& calc);

}  // namespace kagami::setup
