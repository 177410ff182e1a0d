#include "capture/pixel_format.h"

#include <drm_fourcc.h>
#include <gtest/gtest.h>

#include <array>
#include <cstring>

#include "capture/drm/drm_formats.h"

namespace kagami::capture {
namespace {

std::array<std::uint8_t, 4> convert_one(SourceFormat f, std::initializer_list<std::uint8_t> src) {
  std::array<std::uint8_t, 8> in{};
  std::copy(src.begin(), src.end(), in.begin());
  std::array<std::uint8_t, 4> out{};
  convert_row(f, reinterpret_cast<const std::byte*>(in.data()), reinterpret_cast<std::byte*>(out.data()), 1);
  return out;
}

TEST(PixelFormat, FbChannelLayoutsAreRecognised) {
  EXPECT_EQ(source_format_from_channels({32, 16, 8, 8, 8, 0, 8}), SourceFormat::xrgb8888);
  EXPECT_EQ(source_format_from_channels({32, 0, 8, 8, 8, 16, 8}), SourceFormat::xbgr8888);
  EXPECT_EQ(source_format_from_channels({16, 11, 5, 5, 6, 0, 5}), SourceFormat::rgb565);
  EXPECT_EQ(source_format_from_channels({24, 16, 8, 8, 8, 0, 8}), SourceFormat::packed_bgr24);
  EXPECT_EQ(source_format_from_channels({24, 0, 8, 8, 8, 16, 8}), SourceFormat::packed_rgb24);
  EXPECT_EQ(source_format_from_channels({16, 10, 5, 5, 5, 0, 5}), std::nullopt);  // RGB555
  EXPECT_EQ(source_format_from_channels({8, 0, 8, 0, 8, 0, 8}), std::nullopt);    // palette
}

TEST(PixelFormat, DrmFourccTable) {
  EXPECT_EQ(source_format_from_drm(DRM_FORMAT_XRGB8888), SourceFormat::xrgb8888);
  EXPECT_EQ(source_format_from_drm(DRM_FORMAT_ARGB8888), SourceFormat::xrgb8888);
  EXPECT_EQ(source_format_from_drm(DRM_FORMAT_XBGR8888), SourceFormat::xbgr8888);
  EXPECT_EQ(source_format_from_drm(DRM_FORMAT_XBGR2101010), SourceFormat::xbgr2101010);
  EXPECT_EQ(source_format_from_drm(DRM_FORMAT_RGB565), SourceFormat::rgb565);
  EXPECT_EQ(source_format_from_drm(DRM_FORMAT_RGB888), SourceFormat::packed_bgr24);
  EXPECT_EQ(source_format_from_drm(DRM_FORMAT_BGR888), SourceFormat::packed_rgb24);
  EXPECT_EQ(source_format_from_drm(DRM_FORMAT_NV12), std::nullopt);
  EXPECT_EQ(fourcc_name(DRM_FORMAT_XRGB8888), "XR24");
}

TEST(PixelFormat, FrameTypes) {
  EXPECT_EQ(source_format_info(SourceFormat::xrgb8888).frame_type, protocol::FrameType::bgra);
  EXPECT_EQ(source_format_info(SourceFormat::xbgr8888).frame_type, protocol::FrameType::rgba);
  EXPECT_EQ(source_format_info(SourceFormat::xbgr2101010).frame_type, protocol::FrameType::rgba10);
  EXPECT_EQ(source_format_info(SourceFormat::rgb565).frame_type, protocol::FrameType::bgra);
  EXPECT_FALSE(source_format_info(SourceFormat::rgb565).copy_as_is);
  EXPECT_EQ(source_format_info(SourceFormat::packed_rgb24).bytes_per_pixel, 3u);
}

TEST(PixelFormat, Rgb565ExpandsToFullScale) {
  // Pure red 0xF800, green 0x07E0, blue 0x001F, white 0xFFFF, little endian.
  EXPECT_EQ(convert_one(SourceFormat::rgb565, {0x00, 0xF8}), (std::array<std::uint8_t, 4>{0, 0, 255, 255}));
  EXPECT_EQ(convert_one(SourceFormat::rgb565, {0xE0, 0x07}), (std::array<std::uint8_t, 4>{0, 255, 0, 255}));
  EXPECT_EQ(convert_one(SourceFormat::rgb565, {0x1F, 0x00}), (std::array<std::uint8_t, 4>{255, 0, 0, 255}));
  // 0x8410: R=16/31, G=32/63, B=16/31 -> (16<<3)|(16>>2)=132, (32<<2)|(32>>4)=130.
  EXPECT_EQ(convert_one(SourceFormat::rgb565, {0x10, 0x84}),
            (std::array<std::uint8_t, 4>{132, 130, 132, 255}));
}

TEST(PixelFormat, Packed24BitOrders) {
  EXPECT_EQ(convert_one(SourceFormat::packed_bgr24, {1, 2, 3}), (std::array<std::uint8_t, 4>{1, 2, 3, 255}));
  EXPECT_EQ(convert_one(SourceFormat::packed_rgb24, {1, 2, 3}), (std::array<std::uint8_t, 4>{3, 2, 1, 255}));
}

TEST(PixelFormat, ThirtyTwoBitIsCopied) {
  EXPECT_EQ(convert_one(SourceFormat::xrgb8888, {9, 8, 7, 6}), (std::array<std::uint8_t, 4>{9, 8, 7, 6}));
}

TEST(PixelFormat, WholeRowConverts) {
  std::array<std::uint8_t, 9> row{1, 2, 3, 4, 5, 6, 7, 8, 9};
  std::array<std::uint8_t, 12> out{};
  convert_row(SourceFormat::packed_rgb24, reinterpret_cast<const std::byte*>(row.data()),
              reinterpret_cast<std::byte*>(out.data()), 3);
  EXPECT_EQ(out, (std::array<std::uint8_t, 12>{3, 2, 1, 255, 6, 5, 4, 255, 9, 8, 7, 255}));
}

}  // namespace
}  // namespace kagami::capture
