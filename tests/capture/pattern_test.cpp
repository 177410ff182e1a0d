#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "capture/pattern/pattern_backend.h"
#include "capture/rects.h"

namespace kagami::capture {
namespace {

std::vector<std::byte> render_full(const PatternScene& scene, const LatencyMarker& frame) {
  std::vector<std::byte> image(std::size_t{scene.width()} * scene.height() * 4);
  scene.render(frame, image.data(), scene.width() * 4, Rect{0, 0, scene.width(), scene.height()});
  return image;
}

bool inside_any(const std::vector<Rect>& rects, std::uint32_t x, std::uint32_t y) {
  for (const Rect& r : rects) {
    if (x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height) return true;
  }
  return false;
}

TEST(PatternScene, SameSeedSamePixelsOtherSeedOtherPixels) {
  const PatternScene a(320, 200, 5), b(320, 200, 5), c(320, 200, 6);
  const LatencyMarker f{17, 99};
  EXPECT_EQ(render_full(a, f), render_full(b, f));
  EXPECT_NE(render_full(a, f), render_full(c, f));
}

TEST(PatternScene, ClippedRenderMatchesFullRender) {
  const PatternScene scene(400, 300, 3);
  const LatencyMarker f{1234, 5678};
  const auto full = render_full(scene, f);
  std::vector<std::byte> pieces(full.size(), std::byte{0});
  for (std::uint32_t y = 0; y < 300; y += 37) {
    for (std::uint32_t x = 0; x < 400; x += 53) scene.render(f, pieces.data(), 400 * 4, Rect{x, y, 53, 37});
  }
  EXPECT_EQ(pieces, full);
}

TEST(PatternScene, ChangedRectsCoverEveryChangedPixel) {
  constexpr std::uint32_t w = 1280, h = 720;
  const PatternScene scene(w, h, 11);
  for (std::uint64_t n : {0ull, 1ull, 57ull, 1000ull}) {
    const auto before = render_full(scene, LatencyMarker{n, n * 10});
    const auto after = render_full(scene, LatencyMarker{n + 1, n * 10 + 16});
    const auto rects = scene.changed_rects(n, n + 1);
    std::uint64_t changed = 0, covered_area = 0;
    for (std::uint32_t y = 0; y < h; ++y) {
      for (std::uint32_t x = 0; x < w; ++x) {
        covered_area += inside_any(rects, x, y);
        const std::size_t o = (std::size_t{y} * w + x) * 4;
        if (std::memcmp(&before[o], &after[o], 4) != 0) {
          ++changed;
          ASSERT_TRUE(inside_any(rects, x, y)) << "frame " << n << " pixel " << x << "," << y;
        }
      }
    }
    EXPECT_GT(changed, 0u);
    EXPECT_LT(covered_area, w * h / 4) << "damage should be much smaller than the frame";
  }
}

TEST(PatternScene, FrameNumberAndMarkerAreDrawn) {
  const PatternScene scene(320, 200, 1);
  const auto image = render_full(scene, LatencyMarker{42, 4242});
  const auto marker = decode_latency_marker(image.data(), 320 * 4, 4, 320, 200, 0, 0);
  ASSERT_TRUE(marker);
  EXPECT_EQ(marker->frame, 42u);
  EXPECT_EQ(marker->timestamp_ns, 4242u);
}

TEST(PatternBackend, DamageCopiesReproduceEachFrame) {
  PatternConfig config;
  config.size = {320, 240};
  config.frame_interval = std::chrono::microseconds(100);
  PatternBackend backend(config);
  ASSERT_TRUE(backend.start());
  std::vector<std::byte> target(320 * 240 * 4, std::byte{0});
  for (int i = 0; i < 20; ++i) {
    CaptureEvent event;
    ASSERT_EQ(backend.capture(std::chrono::milliseconds(100), &event), CaptureStatus::ok);
    ASSERT_TRUE(event.frame);
    EXPECT_EQ(event.full_damage, i == 0);
    EXPECT_EQ(event.format.width, 320u);
    ASSERT_TRUE(event.cursor);
    EXPECT_EQ(event.cursor->shape.has_value(), i == 0);
    std::uint64_t last_progress = 0;
    FrameTarget t{target, 320 * 4, -1, 0, [&](std::uint64_t b) {
                    EXPECT_GE(b, last_progress);
                    last_progress = b;
                  }};
    ASSERT_EQ(backend.read_pixels(t, event.damage), CaptureStatus::ok);
    EXPECT_EQ(last_progress, target.size());
    EXPECT_EQ(target, render_full(backend.scene(), backend.last_frame())) << "frame " << i;
    EXPECT_EQ(backend.last_frame().frame, static_cast<std::uint64_t>(i));
  }
}

TEST(PatternBackend, ResolutionScheduleChangesTheFormat) {
  PatternConfig config;
  config.size = {320, 240};
  config.more_sizes = {{400, 300}};
  config.frames_per_size = 3;
  config.frame_interval = std::chrono::microseconds(100);
  PatternBackend backend(config);
  ASSERT_TRUE(backend.start());
  std::vector<std::uint32_t> widths;
  std::vector<bool> full;
  for (int i = 0; i < 7; ++i) {
    CaptureEvent event;
    ASSERT_EQ(backend.capture(std::chrono::milliseconds(100), &event), CaptureStatus::ok);
    widths.push_back(event.format.width);
    full.push_back(event.full_damage);
  }
  EXPECT_EQ(widths, (std::vector<std::uint32_t>{320, 320, 320, 400, 400, 400, 320}));
  EXPECT_EQ(full, (std::vector<bool>{true, false, false, true, false, false, true}));
}

TEST(PatternBackend, SetCursorPositionIsReported) {
  PatternConfig config;
  config.frame_interval = std::chrono::milliseconds(500);
  PatternBackend backend(config);
  ASSERT_TRUE(backend.start());
  CaptureEvent event;
  ASSERT_EQ(backend.capture(std::chrono::milliseconds(100), &event), CaptureStatus::ok);  // frame 0
  backend.set_cursor_position(123, 45);
  ASSERT_EQ(backend.capture(std::chrono::milliseconds(100), &event), CaptureStatus::ok);
  EXPECT_FALSE(event.frame);
  ASSERT_TRUE(event.cursor);
  EXPECT_EQ(event.cursor->x, 123);
  EXPECT_EQ(event.cursor->y, 45);
  // Nothing else is due for 500 ms.
  EXPECT_EQ(backend.capture(std::chrono::milliseconds(20), &event), CaptureStatus::timeout);
}

}  // namespace
}  // namespace kagami::capture
