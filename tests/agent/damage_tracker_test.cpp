#include "agent/damage_tracker.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "capture/rects.h"

namespace kagami::agent {
namespace {

using capture::Rect;

TEST(DamageTracker, FirstWriteOfEachBufferIsFull) {
  DamageTracker t(2, 64);
  EXPECT_FALSE(t.frame_written(0, std::vector<Rect>{{0, 0, 10, 10}}, 100, 100));
  EXPECT_FALSE(t.frame_written(1, std::vector<Rect>{{0, 0, 10, 10}}, 100, 100));
}

TEST(DamageTracker, BufferGetsWhatItMissedPlusThisFrame) {
  DamageTracker t(2, 64);
  // A full frame into buffer 0, then an unchanged one into buffer 1: both are current.
  (void)t.frame_written(0, std::nullopt, 100, 100);
  EXPECT_FALSE(t.frame_written(1, std::vector<Rect>{}, 100, 100)) << "buffer 1 missed the full frame";
  // Frame A (damage a) goes to buffer 0; buffer 1 misses a.
  const Rect a{0, 0, 10, 10}, b{50, 50, 5, 5}, c{90, 0, 10, 10};
  auto copy = t.frame_written(0, std::vector<Rect>{a}, 100, 100);
  ASSERT_TRUE(copy);
  EXPECT_EQ(*copy, std::vector<Rect>{a});
  // Frame B (damage b) goes to buffer 1: it needs a and b.
  copy = t.frame_written(1, std::vector<Rect>{b}, 100, 100);
  ASSERT_TRUE(copy);
  EXPECT_EQ(copy->size(), 2u);
  EXPECT_NE(std::find(copy->begin(), copy->end(), a), copy->end());
  EXPECT_NE(std::find(copy->begin(), copy->end(), b), copy->end());
  // Frame C to buffer 0: it has a, misses b, needs c.
  copy = t.frame_written(0, std::vector<Rect>{c}, 100, 100);
  ASSERT_TRUE(copy);
  EXPECT_EQ(copy->size(), 2u);
  EXPECT_NE(std::find(copy->begin(), copy->end(), b), copy->end());
  EXPECT_NE(std::find(copy->begin(), copy->end(), c), copy->end());
}

TEST(DamageTracker, UnknownDamageMakesTheOtherBufferFull) {
  DamageTracker t(2, 64);
  (void)t.frame_written(0, std::nullopt, 100, 100);
  (void)t.frame_written(1, std::vector<Rect>{}, 100, 100);
  EXPECT_TRUE(t.frame_written(0, std::vector<Rect>{}, 100, 100));
  (void)t.frame_written(0, std::nullopt, 100, 100);
  EXPECT_FALSE(t.frame_written(1, std::vector<Rect>{{1, 1, 1, 1}}, 100, 100));
}

TEST(DamageTracker, ManyRectsAreMergedToTheLimit) {
  DamageTracker t(2, 64);
  (void)t.frame_written(0, std::nullopt, 1000, 1000);
  (void)t.frame_written(1, std::vector<Rect>{}, 1000, 1000);
  for (std::uint32_t i = 0; i < 100; ++i) {
    (void)t.frame_written(0, std::vector<Rect>{{i * 10, i * 10, 3, 3}}, 1000, 1000);
  }
  const auto copy = t.frame_written(1, std::vector<Rect>{}, 1000, 1000);
  ASSERT_TRUE(copy);
  EXPECT_LE(copy->size(), 64u);
  for (std::uint32_t i = 0; i < 100; ++i) {
    bool covered = false;
    for (const Rect& r : *copy) covered |= capture::contains(r, Rect{i * 10, i * 10, 3, 3});
    EXPECT_TRUE(covered) << i;
  }
}

TEST(DamageTracker, RectsAreClippedToTheRowsSent) {
  DamageTracker t(1, 64);
  (void)t.frame_written(0, std::nullopt, 100, 50);
  const auto copy = t.frame_written(0, std::vector<Rect>{{0, 40, 10, 30}, {0, 60, 10, 10}}, 100, 50);
  ASSERT_TRUE(copy);
  ASSERT_EQ(copy->size(), 1u);
  EXPECT_EQ((*copy)[0], (Rect{0, 40, 10, 10}));
}

TEST(DamageTracker, InvalidateAllForcesFullCopies) {
  DamageTracker t(2, 64);
  (void)t.frame_written(0, std::nullopt, 100, 100);
  (void)t.frame_written(1, std::vector<Rect>{}, 100, 100);
  EXPECT_TRUE(t.frame_written(0, std::vector<Rect>{{0, 0, 1, 1}}, 100, 100));
  t.invalidate_all();
  EXPECT_FALSE(t.frame_written(0, std::vector<Rect>{{0, 0, 1, 1}}, 100, 100));
  EXPECT_FALSE(t.frame_written(1, std::vector<Rect>{{0, 0, 1, 1}}, 100, 100));
}

}  // namespace
}  // namespace kagami::agent
