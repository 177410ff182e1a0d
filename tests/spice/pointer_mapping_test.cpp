#include "spice/pointer_mapping.h"

#include <gtest/gtest.h>

namespace kagami::spice {
namespace {

TEST(SpicePointerMapping, OneToOneIsIdentity) {
  const Viewport view{0, 0, 1280, 720};
  for (auto [x, y] : {std::pair{0, 0}, {1, 1}, {639, 359}, {1279, 719}}) {
    EXPECT_EQ(window_to_guest(x, y, view, 1280, 720), (GuestPoint{x, y}));
  }
}

TEST(SpicePointerMapping, HalfSizeWindow) {
  const Viewport view{0, 0, 640, 360};  // a 1280x720 guest shown at half size
  EXPECT_EQ(window_to_guest(0, 0, view, 1280, 720), (GuestPoint{1, 1}));  // centre of the 2x2 block
  EXPECT_EQ(window_to_guest(50, 25, view, 1280, 720), (GuestPoint{101, 51}));
  EXPECT_EQ(window_to_guest(639, 359, view, 1280, 720), (GuestPoint{1279, 719}));
}

TEST(SpicePointerMapping, DoubleSizeWindow) {
  const Viewport view{0, 0, 2560, 1440};
  EXPECT_EQ(window_to_guest(0, 0, view, 1280, 720), (GuestPoint{0, 0}));
  EXPECT_EQ(window_to_guest(1, 1, view, 1280, 720), (GuestPoint{0, 0}));
  EXPECT_EQ(window_to_guest(2, 3, view, 1280, 720), (GuestPoint{1, 1}));
  EXPECT_EQ(window_to_guest(2559, 1439, view, 1280, 720), (GuestPoint{1279, 719}));
}

TEST(SpicePointerMapping, LetterboxOffsetAndClamping) {
  const Viewport view{100, 0, 1280, 720};  // bars of 100 px left and right
  EXPECT_EQ(window_to_guest(100, 0, view, 1280, 720), (GuestPoint{0, 0}));
  EXPECT_EQ(window_to_guest(50, 10, view, 1280, 720), (GuestPoint{0, 10}));         // on the left bar
  EXPECT_EQ(window_to_guest(1450, 800, view, 1280, 720), (GuestPoint{1279, 719}));  // past the corner
}

TEST(SpicePointerMapping, NonIntegerScale) {
  const Viewport view{0, 0, 1000, 600};  // 1920x1080 guest squeezed (aspect not kept)
  EXPECT_EQ(window_to_guest(500, 300, view, 1920, 1080), (GuestPoint{960, 540}));
  EXPECT_EQ(window_to_guest(999, 599, view, 1920, 1080), (GuestPoint{1919, 1079}));
}

TEST(SpicePointerMapping, EmptySizesGiveNothing) {
  EXPECT_FALSE(window_to_guest(1, 1, Viewport{0, 0, 0, 10}, 100, 100).has_value());
  EXPECT_FALSE(window_to_guest(1, 1, Viewport{0, 0, 10, 10}, 0, 100).has_value());
}

}  // namespace
}  // namespace kagami::spice
