// The pointer from a window into the guest desktop: the window's layout gives the output pixel,
// the output's KGMO record its place in the desktop (issue 13 part 2).
#include "client/pointer_map.h"

#include <gtest/gtest.h>

#include "client/layout.h"

namespace kagami::client {
namespace {

protocol::OutputInfo output(std::int32_t x, std::int32_t y, std::uint32_t w, std::uint32_t h,
                            protocol::OutputRect desktop) {
  protocol::OutputInfo o;
  o.name = "OUT";
  o.rect = {x, y, w, h};
  o.desktop = desktop;
  o.count = 2;
  return o;
}

FrameGeometry geometry(std::uint32_t w, std::uint32_t h) {
  FrameGeometry g;
  g.frame_width = g.screen_width = w;
  g.frame_height = g.screen_height = h;
  return g;
}

TEST(PointerMap, WithoutAnOutputRecordTheRegionIsTheDesktop) {
  // A Looking Glass B7 host sends no KGMO record: positions are the output's own pixels.
  EXPECT_EQ(desktop_offset(std::nullopt), (DesktopOffset{0, 0}));
  const FrameGeometry g = geometry(640, 360);
  const Layout one = compute_layout(640, 360, 640, 360, ScaleMode::fit, false, FilterMode::nearest);
  int x = 0, y = 0;
  ASSERT_TRUE(window_to_desktop(g, one, desktop_offset(std::nullopt), 100.5, 20.5, x, y));
  EXPECT_EQ(x, 100);
  EXPECT_EQ(y, 20);
}

TEST(PointerMap, TheSecondOutputsPixelsLandInItsPartOfTheDesktop) {
  // Two 640x360 outputs side by side: a click at window pixel (10, 20) of output 2's window is
  // desktop (650, 20).
  const protocol::OutputRect desktop{0, 0, 1280, 360};
  const DesktopOffset second = desktop_offset(output(640, 0, 640, 360, desktop));
  EXPECT_EQ(second, (DesktopOffset{640, 0}));
  const FrameGeometry g = geometry(640, 360);
  const Layout one = compute_layout(640, 360, 640, 360, ScaleMode::fit, false, FilterMode::nearest);
  int x = 0, y = 0;
  ASSERT_TRUE(window_to_desktop(g, one, second, 10.5, 20.5, x, y));
  EXPECT_EQ(x, 650);
  EXPECT_EQ(y, 20);
}

TEST(PointerMap, ScaledWindowsMapThroughTheLayoutFirst) {
  // Output 2 (1920x1080 below output 1) shown in a 960x540 window: window (480, 270) is the
  // output's centre (960, 540), desktop (960, 1080 + 540).
  const protocol::OutputRect desktop{0, 0, 1920, 2160};
  const DesktopOffset below = desktop_offset(output(0, 1080, 1920, 1080, desktop));
  const FrameGeometry g = geometry(1920, 1080);
  const Layout half = compute_layout(1920, 1080, 960, 540, ScaleMode::fit, true, FilterMode::linear);
  int x = 0, y = 0;
  ASSERT_TRUE(window_to_desktop(g, half, below, 480.25, 270.25, x, y));
  EXPECT_EQ(x, 960);
  EXPECT_EQ(y, 1620);
}

TEST(PointerMap, ADesktopThatStartsLeftOfZeroIsShiftedToTheTabletsOrigin) {
  // Windows puts a monitor left of the primary at negative x; the tablet's 0 is the desktop's
  // left edge, so the primary (at 0,0) starts at 1280 in tablet coordinates.
  const protocol::OutputRect desktop{-1280, 0, 3200, 1080};
  EXPECT_EQ(desktop_offset(output(-1280, 0, 1280, 1024, desktop)), (DesktopOffset{0, 0}));
  EXPECT_EQ(desktop_offset(output(0, 0, 1920, 1080, desktop)), (DesktopOffset{1280, 0}));
}

TEST(PointerMap, PastTheImageEdgeTheOutputsEdgeIsKept) {
  // Dragging out of window 2 keeps pushing at output 2's edge, never into output 1 or beyond.
  const protocol::OutputRect desktop{0, 0, 1280, 360};
  const DesktopOffset second = desktop_offset(output(640, 0, 640, 360, desktop));
  const FrameGeometry g = geometry(640, 360);
  const Layout one = compute_layout(640, 360, 640, 360, ScaleMode::fit, false, FilterMode::nearest);
  int x = 0, y = 0;
  EXPECT_FALSE(window_to_desktop(g, one, second, -50, 10, x, y));
  EXPECT_EQ(x, 640);
  EXPECT_FALSE(window_to_desktop(g, one, second, 9000, 9000, x, y));
  EXPECT_EQ(x, 1279);
  EXPECT_EQ(y, 359);
}

}  // namespace
}  // namespace kagami::client
