#include "capture/rects.h"

#include <gtest/gtest.h>

#include <random>

namespace kagami::capture {
namespace {

bool covered(const std::vector<Rect>& rects, std::uint32_t x, std::uint32_t y) {
  for (const Rect& r : rects) {
    if (x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height) return true;
  }
  return false;
}

TEST(Rects, ClipCutsToTheFrame) {
  EXPECT_EQ(clip(Rect{10, 20, 100, 100}, 50, 60), (Rect{10, 20, 40, 40}));
  EXPECT_EQ(clip(Rect{60, 0, 10, 10}, 50, 60).width, 0u);
  EXPECT_EQ(clip(Rect{0, 0, 0xFFFFFFFF, 0xFFFFFFFF}, 50, 60), (Rect{0, 0, 50, 60}));
}

TEST(Rects, AddRectDropsContainedRects) {
  std::vector<Rect> rects;
  add_rect(rects, Rect{10, 10, 5, 5});
  add_rect(rects, Rect{12, 12, 2, 2});  // inside the first
  EXPECT_EQ(rects.size(), 1u);
  add_rect(rects, Rect{0, 0, 100, 100});  // contains the first
  ASSERT_EQ(rects.size(), 1u);
  EXPECT_EQ(rects[0], (Rect{0, 0, 100, 100}));
  add_rect(rects, Rect{5, 5, 0, 10});  // empty
  EXPECT_EQ(rects.size(), 1u);
}

TEST(Rects, MergeToLimitKeepsEveryPixelCovered) {
  std::mt19937 rng(7);
  auto next = [&](std::uint32_t n) { return static_cast<std::uint32_t>(rng() % n); };
  std::vector<Rect> rects;
  for (int i = 0; i < 200; ++i) {
    add_rect(rects, Rect{next(300), next(200), 1 + next(20), 1 + next(20)});
  }
  const std::vector<Rect> original = rects;
  merge_to_limit(rects, 64);
  EXPECT_LE(rects.size(), 64u);
  for (const Rect& r : original) {
    for (std::uint32_t y = r.y; y < r.y + r.height; ++y) {
      for (std::uint32_t x = r.x; x < r.x + r.width; ++x) ASSERT_TRUE(covered(rects, x, y)) << x << "," << y;
    }
  }
}

TEST(Rects, MergePrefersNeighbours) {
  // Two pairs of neighbours far apart: merging to 2 must join each pair, not the far ones.
  std::vector<Rect> rects{{0, 0, 10, 10}, {10, 0, 10, 10}, {500, 500, 10, 10}, {500, 510, 10, 10}};
  merge_to_limit(rects, 2);
  ASSERT_EQ(rects.size(), 2u);
  std::uint64_t total = area(rects[0]) + area(rects[1]);
  EXPECT_EQ(total, 400u);
}

TEST(Rects, RowBandsJoinOverlapsAndSort) {
  const std::vector<Rect> rects{{0, 50, 10, 10}, {100, 0, 5, 5}, {3, 55, 10, 20}, {0, 200, 1, 100}};
  const auto bands = row_bands(rects, 250);
  ASSERT_EQ(bands.size(), 3u);
  EXPECT_EQ(bands[0].y, 0u);
  EXPECT_EQ(bands[0].height, 5u);
  EXPECT_EQ(bands[1].y, 50u);
  EXPECT_EQ(bands[1].height, 25u);
  EXPECT_EQ(bands[2].y, 200u);
  EXPECT_EQ(bands[2].height, 50u);  // clipped to the frame
}

TEST(Rects, CopyInOrderReportsOnlyFinishedRows) {
  // A tall rect starting at row 0 and a short one inside its rows: progress may not pass row
  // 40 (the second rect's top) before the second is copied.
  std::vector<Rect> copied;
  std::vector<std::uint64_t> progress;
  copy_rects_in_order(
      {{0, 40, 10, 5}, {0, 0, 10, 100}}, 8, 120, [&](const Rect& r) { copied.push_back(r); },
      [&](std::uint64_t bytes) { progress.push_back(bytes); });
  ASSERT_EQ(copied.size(), 2u);
  EXPECT_EQ(copied[0].y, 0u);
  ASSERT_EQ(progress.size(), 2u);
  EXPECT_EQ(progress[0], 40u * 8);
  EXPECT_EQ(progress[1], 120u * 8);
}

}  // namespace
}  // namespace kagami::capture
