#pragma once
// The bench's own latency marker (the pattern backend's marker was not on main when this was
// written): 112 bits in a row of 8x8 blocks at the image's top-left, white = 1, black = 0:
// frame number (32), CLOCK_MONOTONIC ns (64), and a 16-bit check so a torn read is discarded.
#include <cstddef>
#include <cstdint>
#include <optional>

namespace kagami::bench {

inline constexpr int kMarkerBlock = 8;
inline constexpr int kMarkerBits = 112;
inline constexpr int kMarkerWidth = kMarkerBits * kMarkerBlock;  // pixels
inline constexpr int kMarkerHeight = kMarkerBlock;

struct Marker {
  std::uint32_t frame = 0;
  std::uint64_t ns = 0;
};

inline std::uint16_t marker_check(const Marker& m) {
  std::uint64_t x = m.ns ^ (std::uint64_t{m.frame} * 0x9E3779B97F4A7C15ull);
  x ^= x >> 29;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 32;
  return static_cast<std::uint16_t>(x ^ (x >> 16));
}

inline bool marker_bit(const Marker& m, int i) {
  if (i < 32) return (m.frame >> i) & 1;
  if (i < 96) return (m.ns >> (i - 32)) & 1;
  return (marker_check(m) >> (i - 96)) & 1;
}

// Writes the marker into BGRA rows (pitch bytes apart).
inline void write_marker(const Marker& m, std::byte* bgra, std::size_t pitch) {
  for (int y = 0; y < kMarkerHeight; ++y) {
    auto* row = reinterpret_cast<std::uint32_t*>(bgra + static_cast<std::size_t>(y) * pitch);
    for (int i = 0; i < kMarkerBits; ++i) {
      const std::uint32_t v = marker_bit(m, i) ? 0xFFFFFFFFu : 0xFF000000u;
      for (int x = 0; x < kMarkerBlock; ++x) row[i * kMarkerBlock + x] = v;
    }
  }
}

// Reads a marker from 0x00RRGGBB pixels (width >= kMarkerWidth), sampling each block's centre.
inline std::optional<Marker> read_marker(const std::uint32_t* pixels, int width) {
  Marker m;
  std::uint16_t check = 0;
  const std::uint32_t* row = pixels + static_cast<std::size_t>(kMarkerBlock / 2) * width;
  for (int i = 0; i < kMarkerBits; ++i) {
    const std::uint32_t p = row[i * kMarkerBlock + kMarkerBlock / 2];
    const bool bit = ((p >> 8) & 0xFF) > 0x80;
    if (i < 32)
      m.frame |= std::uint32_t{bit} << i;
    else if (i < 96)
      m.ns |= std::uint64_t{bit} << (i - 32);
    else
      check = static_cast<std::uint16_t>(check | (bit << (i - 96)));
  }
  if (check != marker_check(m)) return std::nullopt;
  return m;
}

}  // namespace kagami::bench
