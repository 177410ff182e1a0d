#include "capture/gdi/tile_diff.h"

#include <gtest/gtest.h>

#include <vector>

namespace kagami::capture {
namespace {

struct Screen {
  std::uint32_t width, height;
  std::vector<std::byte> pixels;
  Screen(std::uint32_t w, std::uint32_t h) : width(w), height(h), pixels(std::size_t{w} * h * 4) {}
  void set(std::uint32_t x, std::uint32_t y, std::uint8_t value) {
    pixels[(std::size_t{y} * width + x) * 4 + 1] = std::byte{value};
  }
  ImageView view() const { return {pixels.data(), width, height, width * 4, 4}; }
};

TEST(TileDiff, IdenticalImagesHaveNoDamage) {
  Screen a(200, 100), b(200, 100);
  EXPECT_TRUE(diff_tiles(a.view(), b.view(), 64).empty());
}

TEST(TileDiff, OnePixelDamagesItsTileClippedAtTheEdge) {
  Screen a(200, 100), b(200, 100);
  b.set(199, 99, 7);  // last tile column is 200-192 = 8 wide, last tile row 100-64 = 36 high
  EXPECT_EQ(diff_tiles(a.view(), b.view(), 64), (std::vector<Rect>{{192, 64, 8, 36}}));
}

TEST(TileDiff, AdjacentTilesMergeAcrossAndDown) {
  Screen a(256, 256), b(256, 256);
  for (std::uint32_t y = 10; y < 150; ++y) {
    for (std::uint32_t x = 70; x < 140; ++x) b.set(x, y, 1);  // tiles x 1..2, y 0..2
  }
  EXPECT_EQ(diff_tiles(a.view(), b.view(), 64), (std::vector<Rect>{{64, 0, 128, 192}}));
}

TEST(TileDiff, SeparateAreasStaySeparate) {
  Screen a(256, 128), b(256, 128);
  b.set(5, 5, 1);
  b.set(250, 100, 1);
  EXPECT_EQ(diff_tiles(a.view(), b.view(), 64), (std::vector<Rect>{{0, 0, 64, 64}, {192, 64, 64, 64}}));
}

TEST(TileDiff, EveryChangedPixelIsCovered) {
  Screen a(333, 211), b(333, 211);
  const std::uint32_t points[][2] = {{0, 0}, {332, 210}, {100, 17}, {64, 64}, {63, 63}, {200, 150}};
  for (const auto& p : points) b.set(p[0], p[1], 9);
  const auto rects = diff_tiles(a.view(), b.view(), 32);
  for (const auto& p : points) {
    bool covered = false;
    for (const Rect& r : rects)
      covered |= p[0] >= r.x && p[0] < r.x + r.width && p[1] >= r.y && p[1] < r.y + r.height;
    EXPECT_TRUE(covered) << p[0] << "," << p[1];
  }
}

}  // namespace
}  // namespace kagami::capture
