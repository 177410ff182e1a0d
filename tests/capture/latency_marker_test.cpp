#include "capture/pattern/latency_marker.h"

#include <gtest/gtest.h>

#include <vector>

namespace kagami::capture {
namespace {

TEST(LatencyMarker, RoundTrip) {
  const std::uint32_t w = 200, h = 120;
  std::vector<std::byte> image(std::size_t{w} * h * 4, std::byte{0x40});
  const LatencyMarker m{0x0123456789ABCDEFull, 0xFEDCBA9876543210ull};
  draw_latency_marker(m, image.data(), w * 4, 30, 20);
  const auto decoded = decode_latency_marker(image.data(), w * 4, 4, w, h, 30, 20);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(*decoded, m);
  // Elsewhere there is no marker.
  EXPECT_FALSE(decode_latency_marker(image.data(), w * 4, 4, w, h, 0, 0));
}

TEST(LatencyMarker, CellsAreBlackOrWhiteEightPixelSquares) {
  const LatencyMarker m{1, 2};
  // Row 0 is the sync word 0xB3C5 = 1011 0011 1100 0101: first cell white, second black.
  EXPECT_EQ(latency_marker_pixel(m, 0, 0), 0xFFFFFFFFu);
  EXPECT_EQ(latency_marker_pixel(m, 7, 7), 0xFFFFFFFFu);
  EXPECT_EQ(latency_marker_pixel(m, 8, 0), 0xFF000000u);
  // Row 4 holds the low 16 bits of the frame number (1): only the last cell is white.
  EXPECT_EQ(latency_marker_pixel(m, 15 * 8, 4 * 8), 0xFFFFFFFFu);
  EXPECT_EQ(latency_marker_pixel(m, 14 * 8, 4 * 8), 0xFF000000u);
}

TEST(LatencyMarker, DamagedBlockIsRejected) {
  const std::uint32_t w = 128, h = 80;
  std::vector<std::byte> image(std::size_t{w} * h * 4);
  draw_latency_marker(LatencyMarker{42, 1000}, image.data(), w * 4, 0, 0);
  // Flip one cell of the timestamp: the check word no longer matches.
  for (std::uint32_t y = 6 * 8; y < 7 * 8; ++y) {
    for (std::uint32_t x = 3 * 8; x < 4 * 8; ++x) {
      for (int c = 0; c < 3; ++c) image[y * w * 4 + x * 4 + c] ^= std::byte{0xFF};
    }
  }
  EXPECT_FALSE(decode_latency_marker(image.data(), w * 4, 4, w, h, 0, 0));
}

TEST(LatencyMarker, ScaledCopyAndThreeBytePixels) {
  // A 2x nearest-neighbour copy into 24-bit RGB decodes with cell size 16.
  const LatencyMarker m{77, 123456789};
  std::vector<std::byte> src(std::size_t{kMarkerWidth} * kMarkerHeight * 4);
  draw_latency_marker(m, src.data(), kMarkerWidth * 4, 0, 0);
  const std::uint32_t w = kMarkerWidth * 2, h = kMarkerHeight * 2;
  std::vector<std::byte> dst(std::size_t{w} * h * 3);
  for (std::uint32_t y = 0; y < h; ++y) {
    for (std::uint32_t x = 0; x < w; ++x) {
      for (int c = 0; c < 3; ++c) dst[(y * w + x) * 3 + c] = src[((y / 2) * kMarkerWidth + x / 2) * 4 + c];
    }
  }
  const auto decoded = decode_latency_marker(dst.data(), w * 3, 3, w, h, 0, 0, 16);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(*decoded, m);
}

TEST(LatencyMarker, OutOfBoundsIsRejected) {
  std::vector<std::byte> image(100 * 100 * 4);
  EXPECT_FALSE(decode_latency_marker(image.data(), 400, 4, 100, 100, 0, 0));
}

}  // namespace
}  // namespace kagami::capture
