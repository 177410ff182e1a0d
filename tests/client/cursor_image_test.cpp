#include "client/cursor_image.h"

#include <gtest/gtest.h>

namespace kagami::client {
namespace {

using protocol::CursorShape;
using protocol::CursorType;

std::array<std::uint8_t, 4> px(const std::vector<std::uint8_t>& v, std::size_t i) {
  return {v[i * 4], v[i * 4 + 1], v[i * 4 + 2], v[i * 4 + 3]};
}

TEST(CursorImage, ColorIsBgraToRgbaWithItsAlpha) {
  CursorShape s{CursorType::color, 1, 1, 4, 0, 0, {10, 20, 30, 40}};
  auto image = make_cursor_image(s);
  ASSERT_TRUE(image.ok());
  EXPECT_EQ(px(image->blend, 0), (std::array<std::uint8_t, 4>{30, 20, 10, 40}));
  EXPECT_FALSE(image->has_invert);
}

TEST(CursorImage, MaskedColorXorsWhereTheMaskIsSet) {
  CursorShape s{CursorType::masked_color, 2, 1, 8, 0, 0, {1, 2, 3, 0, 4, 5, 6, 0xFF}};
  auto image = make_cursor_image(s);
  ASSERT_TRUE(image.ok());
  EXPECT_EQ(px(image->blend, 0), (std::array<std::uint8_t, 4>{3, 2, 1, 255}));
  EXPECT_EQ(px(image->blend, 1)[3], 0);
  EXPECT_EQ(px(image->invert, 1), (std::array<std::uint8_t, 4>{6, 5, 4, 0}));
  EXPECT_TRUE(image->has_invert);
}

TEST(CursorImage, MonochromeHasHalfTheWireHeightAndFourCases) {
  // 4 pixels wide, 1 visible row: and = 0011, xor = 0101 (MSB first).
  CursorShape s{CursorType::monochrome, 4, 2, 1, 0, 0, {0x30, 0x50}};
  auto image = make_cursor_image(s);
  ASSERT_TRUE(image.ok());
  EXPECT_EQ(image->height, 1u);
  EXPECT_EQ(px(image->blend, 0), (std::array<std::uint8_t, 4>{0, 0, 0, 255}));        // black
  EXPECT_EQ(px(image->blend, 1), (std::array<std::uint8_t, 4>{255, 255, 255, 255}));  // white
  EXPECT_EQ(px(image->blend, 2)[3], 0);                                               // transparent
  EXPECT_EQ(px(image->invert, 2)[0], 0);
  EXPECT_EQ(px(image->blend, 3)[3], 0);  // invert
  EXPECT_EQ(px(image->invert, 3)[0], 255);
}

TEST(CursorImage, InconsistentShapesAreRefused) {
  EXPECT_FALSE(
      make_cursor_image({CursorType::color, 4, 4, 8, 0, 0, std::vector<std::uint8_t>(32)}).ok());  // pitch
  EXPECT_FALSE(
      make_cursor_image({CursorType::color, 4, 4, 16, 0, 0, std::vector<std::uint8_t>(60)}).ok());  // data
  EXPECT_FALSE(
      make_cursor_image({CursorType::monochrome, 8, 3, 1, 0, 0, std::vector<std::uint8_t>(3)}).ok());  // odd
  EXPECT_FALSE(make_cursor_image({CursorType::color, 0, 4, 16, 0, 0, {}}).ok());
  EXPECT_FALSE(
      make_cursor_image({CursorType::color, 513, 1, 2052, 0, 0, std::vector<std::uint8_t>(2052)}).ok());
}

}  // namespace
}  // namespace kagami::client
