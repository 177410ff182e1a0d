#include "client/layout.h"

#include <gtest/gtest.h>

#include "client/frame_geometry.h"

namespace kagami::client {
namespace {

TEST(Layout, FitKeepsAspectAndCentres) {
  const Layout l = compute_layout(1920, 1080, 1000, 1000, ScaleMode::fit, true, FilterMode::automatic);
  EXPECT_EQ(l.dest.width, 1000);
  EXPECT_EQ(l.dest.height, 563);
  EXPECT_EQ(l.dest.x, 0);
  EXPECT_EQ(l.dest.y, (1000 - 563) / 2);
  EXPECT_EQ(l.filter, FilterMode::sharp);  // shrinking
}

TEST(Layout, NoUpscaleStopsAtOneToOne) {
  const Layout l = compute_layout(800, 600, 1920, 1080, ScaleMode::fit, false, FilterMode::automatic);
  EXPECT_EQ(l.dest.width, 800);
  EXPECT_EQ(l.dest.height, 600);
  EXPECT_EQ(l.dest.x, 560);
  EXPECT_EQ(l.filter, FilterMode::nearest);
}

TEST(Layout, IntegerPicksTheLargestWholeFactor) {
  const Layout l = compute_layout(640, 360, 1920, 1200, ScaleMode::integer, true, FilterMode::automatic);
  EXPECT_EQ(l.dest.width, 1920);
  EXPECT_EQ(l.dest.height, 1080);
  EXPECT_DOUBLE_EQ(l.scale, 3.0);
  EXPECT_EQ(l.filter, FilterMode::nearest);
}

TEST(Layout, IntegerShrinksWhenEvenOneToOneDoesNotFit) {
  const Layout l = compute_layout(1920, 1080, 960, 1000, ScaleMode::integer, true, FilterMode::automatic);
  EXPECT_EQ(l.dest.width, 960);
  EXPECT_EQ(l.dest.height, 540);
}

TEST(Layout, AutomaticFilterIsLinearWhenEnlargingByAFraction) {
  const Layout l = compute_layout(1000, 500, 1500, 1000, ScaleMode::fit, true, FilterMode::automatic);
  EXPECT_EQ(l.filter, FilterMode::linear);
}

TEST(Layout, SharpIsOnlyUsedWhenShrinking) {
  const Layout l = compute_layout(100, 100, 300, 300, ScaleMode::fit, true, FilterMode::sharp);
  EXPECT_EQ(l.filter, FilterMode::linear);
}

TEST(Layout, EmptyInputsGiveAnEmptyRect) {
  EXPECT_EQ(compute_layout(0, 100, 300, 300, ScaleMode::fit, true, FilterMode::sharp).dest.width, 0);
  EXPECT_EQ(compute_layout(100, 100, 0, 300, ScaleMode::fit, true, FilterMode::sharp).dest.width, 0);
}

// The pointer mapping (window -> guest) inverts the cursor mapping (guest -> window) for every
// rotation, with a capture scaled from a larger guest desktop.
TEST(PointerMapping, WindowToGuestInvertsGuestToWindow) {
  for (auto rotation : {protocol::FrameRotation::r0, protocol::FrameRotation::r90,
                        protocol::FrameRotation::r180, protocol::FrameRotation::r270}) {
    const FrameGeometry g{960, 540, 1920, 1080, rotation};
    const Layout l = compute_layout(g.image_width(), g.image_height(), 1000, 800, ScaleMode::fit, true,
                                    FilterMode::linear);
    for (const auto& [x, y] : {std::pair{0.0, 0.0}, {100.0, 50.0}, {1919.0, 1079.0}, {960.0, 17.0}}) {
      double wx = 0, wy = 0, gx = 0, gy = 0;
      guest_to_window(g, l, x, y, wx, wy);
      window_to_guest(g, l, wx, wy, gx, gy);
      EXPECT_NEAR(gx, x, 1e-6) << static_cast<int>(rotation);
      EXPECT_NEAR(gy, y, 1e-6) << static_cast<int>(rotation);
    }
    double gx = 0, gy = 0;
    EXPECT_FALSE(window_to_guest(g, l, l.dest.x - 1.0, l.dest.y + 5.0, gx, gy));
    EXPECT_TRUE(window_to_guest(g, l, l.dest.x + 1.0, l.dest.y + 1.0, gx, gy));
  }
}

}  // namespace
}  // namespace kagami::client
