// The drm backend's output placement (src/capture/drm/output_layout.h): CRTCs on one framebuffer
// lie where their viewports start in it; CRTCs with buffers of their own side by side.
#include "capture/drm/output_layout.h"

#include <gtest/gtest.h>

namespace kagami::capture {
namespace {

using protocol::OutputRect;

TEST(DrmOutputLayout, BuffersOfTheirOwnGoSideBySideTopAligned) {
  const OutputLayout l = layout_outputs({{7, 0, 0, 1024, 768}, {8, 0, 0, 800, 600}});
  ASSERT_EQ(l.outputs.size(), 2u);
  EXPECT_EQ(l.outputs[0], (OutputRect{0, 0, 1024, 768}));
  EXPECT_EQ(l.outputs[1], (OutputRect{1024, 0, 800, 600}));
  EXPECT_EQ(l.desktop, (OutputRect{0, 0, 1824, 768}));
}

TEST(DrmOutputLayout, OneSharedBufferGivesEachCrtcItsViewportOffset) {
  // Xorg with the second monitor below the first: not side by side.
  const OutputLayout l = layout_outputs({{5, 0, 0, 1920, 1080}, {5, 320, 1080, 1280, 1024}});
  ASSERT_EQ(l.outputs.size(), 2u);
  EXPECT_EQ(l.outputs[0], (OutputRect{0, 0, 1920, 1080}));
  EXPECT_EQ(l.outputs[1], (OutputRect{320, 1080, 1280, 1024}));
  EXPECT_EQ(l.desktop, (OutputRect{0, 0, 1920, 2104}));
}

TEST(DrmOutputLayout, ClonesOfOneBufferOverlap) {
  // The kernel console on two heads: both show the buffer from its top-left corner.
  const OutputLayout l = layout_outputs({{3, 0, 0, 1024, 768}, {3, 0, 0, 800, 600}});
  EXPECT_EQ(l.outputs[1], (OutputRect{0, 0, 800, 600}));
  EXPECT_EQ(l.desktop, (OutputRect{0, 0, 1024, 768}));
}

TEST(DrmOutputLayout, TheDesktopBoxStartsAtTheFirstOutputShown) {
  // The left monitor of a shared buffer is off: the one left on starts at 1920.
  const OutputLayout l = layout_outputs({{5, 1920, 0, 1280, 1024}});
  EXPECT_EQ(l.outputs[0], (OutputRect{1920, 0, 1280, 1024}));
  EXPECT_EQ(l.desktop, (OutputRect{1920, 0, 1280, 1024}));
}

TEST(DrmOutputLayout, NoCrtcNoOutputs) {
  const OutputLayout l = layout_outputs({});
  EXPECT_TRUE(l.outputs.empty());
  EXPECT_EQ(l.desktop, OutputRect{});
}

}  // namespace
}  // namespace kagami::capture
