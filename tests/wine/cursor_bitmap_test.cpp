#include "capture/gdi/cursor_bitmap.h"

#include <gtest/gtest.h>

#include <vector>

namespace kagami::capture {
namespace {

TEST(CursorBitmap, MonochromeKeepsAndThenXorRowsWithATightPitch) {
  // 10x2 cursor: GetDIBits gives 4-byte rows; 4 rows (AND, AND, XOR, XOR).
  const std::vector<std::uint8_t> mask = {0xFF, 0xC0, 0, 0, 0x00, 0x00, 0, 0,
                                          0x80, 0x40, 0, 0, 0x01, 0x00, 0, 0};
  CursorBitmaps in{10, 2, 3, 4, {}, mask, 4};
  auto shape = cursor_shape_from_bitmaps(in);
  ASSERT_TRUE(shape) << shape.error().message;
  EXPECT_EQ(shape->type, protocol::CursorType::monochrome);
  EXPECT_EQ(shape->width, 10u);
  EXPECT_EQ(shape->height, 4u);  // twice the visible height, as KVMFR wants
  EXPECT_EQ(shape->pitch, 2u);
  EXPECT_EQ(shape->hotspot_x, 3);
  EXPECT_EQ(shape->hotspot_y, 4);
  EXPECT_EQ(shape->data, (std::vector<std::uint8_t>{0xFF, 0xC0, 0x00, 0x00, 0x80, 0x40, 0x01, 0x00}));
}

TEST(CursorBitmap, ColorWithAlphaIsSentAsIs) {
  const std::vector<std::uint8_t> color = {1, 2, 3, 0x80, 4, 5, 6, 0};
  const std::vector<std::uint8_t> mask = {0x00, 0, 0, 0};
  auto shape = cursor_shape_from_bitmaps({2, 1, 0, 0, color, mask, 4});
  ASSERT_TRUE(shape);
  EXPECT_EQ(shape->type, protocol::CursorType::color);
  EXPECT_EQ(shape->pitch, 8u);
  EXPECT_EQ(shape->data, color);
}

TEST(CursorBitmap, ColorWithoutAlphaBecomesMaskedColorFromTheAndMask) {
  const std::vector<std::uint8_t> color = {1, 2, 3, 0, 4, 5, 6, 0, 7, 8, 9, 0};
  const std::vector<std::uint8_t> mask = {0b01000000, 0, 0, 0};  // pixel 1: XOR, others opaque
  auto shape = cursor_shape_from_bitmaps({3, 1, 0, 0, color, mask, 4});
  ASSERT_TRUE(shape);
  EXPECT_EQ(shape->type, protocol::CursorType::masked_color);
  EXPECT_EQ(shape->data, (std::vector<std::uint8_t>{1, 2, 3, 0, 4, 5, 6, 0xFF, 7, 8, 9, 0}));
}

TEST(CursorBitmap, HotspotBeyondInt8IsClamped) {
  const std::vector<std::uint8_t> mask(4 * 2 * 200, 0);
  auto shape = cursor_shape_from_bitmaps({200, 200, 199, 150, {}, mask, 4 * 2 * 200 / 400});
  ASSERT_FALSE(shape);  // mask too short for 400 rows of 25 bytes
  const std::vector<std::uint8_t> big(28 * 400, 0);
  shape = cursor_shape_from_bitmaps({200, 200, 199, 150, {}, big, 28});
  ASSERT_TRUE(shape) << shape.error().message;
  EXPECT_EQ(shape->hotspot_x, 127);
  EXPECT_EQ(shape->hotspot_y, 127);
}

TEST(CursorBitmap, RejectsWhatKvmfrCannotCarry) {
  const std::vector<std::uint8_t> mask(1024 * 2 * 1024, 0);
  EXPECT_FALSE(cursor_shape_from_bitmaps({600, 32, 0, 0, {}, mask, 76}));
  EXPECT_FALSE(cursor_shape_from_bitmaps({0, 32, 0, 0, {}, mask, 4}));
  const std::vector<std::uint8_t> short_color(10, 0);
  EXPECT_FALSE(cursor_shape_from_bitmaps({4, 4, 0, 0, short_color, mask, 4}));
}

}  // namespace
}  // namespace kagami::capture
