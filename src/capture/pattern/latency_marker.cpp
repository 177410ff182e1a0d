#include "capture/pattern/latency_marker.h"

#include <array>
#include <cstring>

namespace kagami::capture {

namespace {

using Words = std::array<std::uint16_t, kMarkerRows>;

std::uint16_t word(std::uint64_t value, int index) {  // index 0 = most significant
  return static_cast<std::uint16_t>(value >> (48 - 16 * index));
}

std::uint16_t check_word(const LatencyMarker& m) {
  std::uint16_t check = 0x5A5A;
  for (int i = 0; i < 4; ++i)
    check = static_cast<std::uint16_t>(check ^ word(m.frame, i) ^ word(m.timestamp_ns, i));
  return check;
}

Words encode(const LatencyMarker& m) {
  Words w{};
  w[0] = kMarkerSync;
  for (int i = 0; i < 4; ++i) {
    w[1 + i] = word(m.frame, i);
    w[5 + i] = word(m.timestamp_ns, i);
  }
  w[9] = check_word(m);
  return w;
}

bool bit(const Words& w, std::uint32_t column, std::uint32_t row) { return (w[row] >> (15 - column)) & 1; }

}  // namespace

std::uint32_t latency_marker_pixel(const LatencyMarker& marker, std::uint32_t dx, std::uint32_t dy) {
  const Words w = encode(marker);
  return bit(w, dx / kMarkerCellSize, dy / kMarkerCellSize) ? 0xFFFFFFFFu : 0xFF000000u;
}

void draw_latency_marker(const LatencyMarker& marker, std::byte* image, std::size_t pitch, std::uint32_t x0,
                         std::uint32_t y0) {
  const Words w = encode(marker);
  for (std::uint32_t dy = 0; dy < kMarkerHeight; ++dy) {
    auto* row = reinterpret_cast<std::uint32_t*>(image + (y0 + dy) * pitch) + x0;
    for (std::uint32_t dx = 0; dx < kMarkerWidth; ++dx) {
      const std::uint32_t v = bit(w, dx / kMarkerCellSize, dy / kMarkerCellSize) ? 0xFFFFFFFFu : 0xFF000000u;
      std::memcpy(row + dx, &v, 4);
    }
  }
}

std::optional<LatencyMarker> decode_latency_marker(const std::byte* image, std::size_t pitch,
                                                   std::uint32_t bytes_per_pixel, std::uint32_t width,
                                                   std::uint32_t height, std::uint32_t x0, std::uint32_t y0,
                                                   std::uint32_t cell_size) {
  if (bytes_per_pixel < 3 || cell_size == 0) return std::nullopt;
  if (std::uint64_t{x0} + std::uint64_t{kMarkerColumns} * cell_size > width ||
      std::uint64_t{y0} + std::uint64_t{kMarkerRows} * cell_size > height) {
    return std::nullopt;
  }
  Words w{};
  for (std::uint32_t row = 0; row < kMarkerRows; ++row) {
    for (std::uint32_t column = 0; column < kMarkerColumns; ++column) {
      const std::size_t x = x0 + column * cell_size + cell_size / 2;
      const std::size_t y = y0 + row * cell_size + cell_size / 2;
      const auto* p = reinterpret_cast<const std::uint8_t*>(image + y * pitch + x * bytes_per_pixel);
      const unsigned mean = (unsigned{p[0]} + p[1] + p[2]) / 3;
      w[row] = static_cast<std::uint16_t>((w[row] << 1) | (mean >= 128 ? 1 : 0));
    }
  }
  if (w[0] != kMarkerSync) return std::nullopt;
  LatencyMarker m;
  for (int i = 0; i < 4; ++i) {
    m.frame = (m.frame << 16) | w[1 + i];
    m.timestamp_ns = (m.timestamp_ns << 16) | w[5 + i];
  }
  if (w[9] != check_word(m)) return std::nullopt;
  return m;
}

}  // namespace kagami::capture
