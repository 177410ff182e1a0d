#include "client/layout.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace kagami::client
