// PipeWire buffer metadata as the portal backend reads it: cursor position, hotspot and bitmap
// (SPA_META_Cursor) and damage regions (SPA_META_VideoDamage), from bytes another process
// wrote: every size and offset is checked, nothing is read in place.
#include "capture/portal/spa_meta.h"

#include <gtest/gtest.h>
#include <spa/buffer/meta.h>
#include <spa/param/video/raw.h>

#include <cstring>
#include <vector>

namespace kagami::capture {
namespace {

// A spa_meta_cursor with a w x h bitmap of `format` right behind it; pixel (x, y) = {x, y, 7, 200}.
std::vector<std::uint8_t> cursor_meta(std::uint32_t id, int px, int py, int hx, int hy, std::uint32_t w,
                                      std::uint32_t h, std::uint32_t format = SPA_VIDEO_FORMAT_BGRA) {
  std::vector<std::uint8_t> bytes(sizeof(spa_meta_cursor) + sizeof(spa_meta_bitmap) + w * h * 4);
  spa_meta_cursor c{};
  c.id = id;
  c.position = {px, py};
  c.hotspot = {hx, hy};
  c.bitmap_offset = w ? sizeof(spa_meta_cursor) : 0;
  std::memcpy(bytes.data(), &c, sizeof c);
  spa_meta_bitmap b{};
  b.format = format;
  b.size = {w, h};
  b.stride = static_cast<std::int32_t>(w * 4);
  b.offset = sizeof(spa_meta_bitmap);
  std::memcpy(bytes.data() + sizeof c, &b, sizeof b);
  std::uint8_t* pixels = bytes.data() + sizeof c + sizeof b;
  for (std::uint32_t y = 0; y < h; ++y) {
    for (std::uint32_t x = 0; x < w; ++x) {
      std::uint8_t* p = pixels + (y * w + x) * 4;
      p[0] = static_cast<std::uint8_t>(x), p[1] = static_cast<std::uint8_t>(y), p[2] = 7, p[3] = 200;
    }
  }
  return bytes;
}

TEST(SpaMeta, CursorPositionIsTheShapesCornerAndTheBitmapIsKept) {
  const auto bytes = cursor_meta(5, 100, 50, 3, 2, 4, 3);
  const auto c = cursor_from_meta(bytes.data(), bytes.size());
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->has_position);
  EXPECT_TRUE(c->visible);
  EXPECT_EQ(c->x, 97);
  EXPECT_EQ(c->y, 48);
  ASSERT_TRUE(c->shape);
  EXPECT_EQ(c->shape->width, 4u);
  EXPECT_EQ(c->shape->height, 3u);
  EXPECT_EQ(c->shape->pitch, 16u);
  EXPECT_EQ(c->shape->hotspot_x, 3);
  EXPECT_EQ(c->shape->hotspot_y, 2);
  // BGRA in, KVMFR COLOR (B, G, R, A) out: unchanged.
  const std::uint8_t* p = &c->shape->data[(2 * 4 + 3) * 4];
  EXPECT_EQ(p[0], 3);
  EXPECT_EQ(p[1], 2);
  EXPECT_EQ(p[2], 7);
  EXPECT_EQ(p[3], 200);
}

TEST(SpaMeta, RgbaBitmapsAreSwapped) {
  const auto bytes = cursor_meta(5, 0, 0, 0, 0, 2, 2, SPA_VIDEO_FORMAT_RGBA);
  const auto c = cursor_from_meta(bytes.data(), bytes.size());
  ASSERT_TRUE(c && c->shape);
  const std::uint8_t* p = &c->shape->data[(1 * 2 + 1) * 4];  // source R=1 G=1 B=7
  EXPECT_EQ(p[0], 7);
  EXPECT_EQ(p[2], 1);
}

TEST(SpaMeta, NoIdMeansHiddenAndNoBitmapMeansPositionOnly) {
  auto bytes = cursor_meta(0, 10, 10, 0, 0, 0, 0);
  auto c = cursor_from_meta(bytes.data(), bytes.size());
  ASSERT_TRUE(c);
  EXPECT_FALSE(c->visible);
  EXPECT_FALSE(c->shape);
  EXPECT_FALSE(cursor_from_meta(bytes.data(), sizeof(spa_meta_cursor) - 1)) << "too small for the header";
  EXPECT_FALSE(cursor_from_meta(nullptr, 100));
}

TEST(SpaMeta, BitmapsThatDoNotFitAreDropped) {
  auto bytes = cursor_meta(5, 10, 10, 0, 0, 8, 8);
  // Cut short: the pixels end past the metadata.
  auto c = cursor_from_meta(bytes.data(), bytes.size() - 1);
  ASSERT_TRUE(c);
  EXPECT_FALSE(c->shape);
  // A bitmap offset past the end, a stride shorter than a row, an unknown format.
  spa_meta_cursor header{};
  std::memcpy(&header, bytes.data(), sizeof header);
  header.bitmap_offset = 1u << 30;
  std::memcpy(bytes.data(), &header, sizeof header);
  c = cursor_from_meta(bytes.data(), bytes.size());
  ASSERT_TRUE(c);
  EXPECT_FALSE(c->shape);
  bytes = cursor_meta(5, 10, 10, 0, 0, 8, 8);
  spa_meta_bitmap b{};
  std::memcpy(&b, bytes.data() + sizeof header, sizeof b);
  b.stride = 8;
  std::memcpy(bytes.data() + sizeof header, &b, sizeof b);
  EXPECT_FALSE(cursor_from_meta(bytes.data(), bytes.size())->shape);
  bytes = cursor_meta(5, 10, 10, 0, 0, 8, 8, SPA_VIDEO_FORMAT_NV12);
  EXPECT_FALSE(cursor_from_meta(bytes.data(), bytes.size())->shape);
}

TEST(SpaMeta, DamageRegionsUntilTheFirstEmptyOneClippedToTheFrame) {
  std::vector<spa_meta_region> regions(4);
  regions[0].region = {{10, 20}, {30, 40}};
  regions[1].region = {{1900, 1000}, {100, 100}};  // crosses the frame's corner
  regions[2].region = {{0, 0}, {0, 0}};            // the end
  regions[3].region = {{5, 5}, {5, 5}};            // not read
  // At an odd address: the reader must not rely on alignment.
  std::vector<std::uint8_t> bytes(1 + regions.size() * sizeof(spa_meta_region));
  std::memcpy(bytes.data() + 1, regions.data(), regions.size() * sizeof(spa_meta_region));
  std::vector<Rect> rects;
  ASSERT_TRUE(damage_from_meta(bytes.data() + 1, bytes.size() - 1, 1920, 1080, rects));
  ASSERT_EQ(rects.size(), 2u);
  EXPECT_EQ(rects[0], (Rect{10, 20, 30, 40}));
  EXPECT_EQ(rects[1], (Rect{1900, 1000, 20, 80}));
  rects.clear();
  EXPECT_TRUE(damage_from_meta(bytes.data() + 1, sizeof(spa_meta_region) + 3, 1920, 1080, rects));
  EXPECT_EQ(rects.size(), 1u) << "a partial region at the end is not read";
  EXPECT_FALSE(damage_from_meta(nullptr, 0, 1920, 1080, rects));
}

}  // namespace
}  // namespace kagami::capture
