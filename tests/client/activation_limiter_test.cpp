// The guest's request-activation flag: a flood asks once (issue 11 item 7).
#include "client/activation_limiter.h"

#include <gtest/gtest.h>

namespace kagami::client {
namespace {

constexpr std::uint64_t kMs = 1'000'000;

TEST(ActivationLimiter, AFloodOfFlaggedFramesAsksOnce) {
  ActivationLimiter limiter(5000 * kMs);
  int asked = 0;
  for (std::uint64_t t = 0; t < 4000; ++t) asked += limiter.on_frame(true, t * kMs);
  EXPECT_EQ(asked, 1);
}

TEST(ActivationLimiter, TogglingEveryFrameStillAsksAtMostOncePerInterval) {
  ActivationLimiter limiter(5000 * kMs);
  int asked = 0;
  for (std::uint64_t t = 0; t < 12000; ++t) asked += limiter.on_frame(t % 2 == 0, t * kMs);
  EXPECT_EQ(asked, 3);  // at 0, 5 s and 10 s
}

TEST(ActivationLimiter, OnlyARisingEdgeAsks) {
  ActivationLimiter limiter(1 * kMs);
  EXPECT_FALSE(limiter.on_frame(false, 0));
  EXPECT_TRUE(limiter.on_frame(true, 10 * kMs));
  EXPECT_FALSE(limiter.on_frame(true, 20 * kMs)) << "still set: not a new request";
  EXPECT_FALSE(limiter.on_frame(false, 30 * kMs));
  EXPECT_TRUE(limiter.on_frame(true, 40 * kMs));
}

}  // namespace
}  // namespace kagami::client
