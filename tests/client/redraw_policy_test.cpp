#include "client/redraw_policy.h"

#include <gtest/gtest.h>

namespace kagami::client {
namespace {

constexpr std::uint64_t kMs = 1'000'000;

// A notice is drawn once when it appears (the command marks the policy changed) and once when it
// goes; in between nothing changes on screen, so nothing is redrawn.
TEST(RedrawPolicy, ANoticeIsDrawnWhenItShowsAndWhenItGoesNotInBetween) {
  RedrawPolicy policy;
  RedrawPolicy::Inputs in;
  policy.drawn(1 * kMs, false);  // the first draw (the policy starts dirty)
  ASSERT_FALSE(policy.needs_redraw(2 * kMs, in));

  in.overlay_redraw_ns = 4000 * kMs;  // a notice shown at 10 ms, gone at 4 s
  policy.changed();
  EXPECT_TRUE(policy.needs_redraw(10 * kMs, in));
  policy.drawn(10 * kMs, false);
  EXPECT_FALSE(policy.needs_redraw(11 * kMs, in));
  EXPECT_FALSE(policy.needs_redraw(3999 * kMs, in));
  // The render thread sleeps until the notice goes (at most the usual 50 ms slice).
  EXPECT_EQ(policy.wait_ms(3990 * kMs, in), 10);

  EXPECT_TRUE(policy.needs_redraw(4000 * kMs, in));
  policy.drawn(4001 * kMs, false);
  EXPECT_FALSE(policy.needs_redraw(4002 * kMs, in));
  EXPECT_FALSE(policy.needs_redraw(9000 * kMs, in));
}

// After a resize the draw thread draws at once, then every 4 ms until the surface caught up (300
// ms), then stops: not flat out.
TEST(RedrawPolicy, AfterAResizeItRedrawsEvery4MsForAWhile) {
  RedrawPolicy policy;
  RedrawPolicy::Inputs in;
  policy.drawn(1 * kMs, false);
  policy.keep_drawing_until(310 * kMs);
  EXPECT_TRUE(policy.needs_redraw(10 * kMs, in));
  policy.drawn(10 * kMs, false);
  EXPECT_FALSE(policy.needs_redraw(11 * kMs, in));
  EXPECT_EQ(policy.wait_ms(11 * kMs, in), 3);
  EXPECT_TRUE(policy.needs_redraw(14 * kMs, in));
  int draws = 1;
  for (std::uint64_t t = 14; t < 400; ++t) {
    if (policy.needs_redraw(t * kMs, in)) {
      policy.drawn(t * kMs, false);
      ++draws;
    }
  }
  EXPECT_EQ(draws, 75);  // at 10, 14, 18, ..., 306 ms
  EXPECT_FALSE(policy.needs_redraw(400 * kMs, in));
  EXPECT_EQ(policy.wait_ms(400 * kMs, in), 50);
}

TEST(RedrawPolicy, AHiddenWindowIsNeverRedrawn) {
  RedrawPolicy policy;
  RedrawPolicy::Inputs in;
  in.hidden = true;
  in.overlay_redraw_ns = 5 * kMs;
  policy.changed();
  EXPECT_FALSE(policy.needs_redraw(10 * kMs, in));
}

}  // namespace
}  // namespace kagami::client
