#include "client/frame_stats.h"

#include <gtest/gtest.h>

namespace kagami::client {
namespace {

TEST(FrameStats, IntervalsAndLatenciesInMillisecondsOldestFirst) {
  FrameStats stats;
  stats.on_frame(1'000'000'000, 1'002'000'000);
  stats.on_frame(1'016'000'000, 1'019'500'000);
  ASSERT_EQ(stats.count(), 2u);
  EXPECT_FLOAT_EQ(stats.intervals_ms()[1], 16.0f);
  EXPECT_FLOAT_EQ(stats.latencies_ms()[0], 2.0f);
  EXPECT_FLOAT_EQ(stats.latencies_ms()[1], 3.5f);
}

TEST(FrameStats, KeepsTheLastSamplesInOrderWhenFull) {
  FrameStats stats;
  for (std::uint64_t i = 0; i < FrameStats::kHistory + 10; ++i) {
    stats.on_frame(i * 1'000'000'000, i * 1'000'000'000 + i * 1'000'000);
  }
  ASSERT_EQ(stats.count(), FrameStats::kHistory);
  EXPECT_FLOAT_EQ(stats.latencies_ms()[0], 10.0f);
  EXPECT_FLOAT_EQ(stats.latencies_ms()[FrameStats::kHistory - 1],
                  static_cast<float>(FrameStats::kHistory + 9));
}

TEST(FrameStats, FramesPerSecondOverAFullSecond) {
  FrameStats stats;
  EXPECT_EQ(stats.fps(1'000'000'000), 0.0);
  for (int i = 0; i < 60; ++i)
    stats.on_frame(1'000'000'000 + i * 16'000'000ull, 1'000'000'000 + i * 16'000'000ull);
  EXPECT_NEAR(stats.fps(2'000'000'000), 60.0, 0.01);
}

}  // namespace
}  // namespace kagami::client
