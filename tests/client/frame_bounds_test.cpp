// frame_bounds: a hostile frame's declared size never turns into a texture past the budget or the
// device limit (issue 11 item 2).
#include "client/frame_bounds.h"

#include <gtest/gtest.h>

namespace kagami::client {
namespace {

using protocol::FrameType;

protocol::ValidatedFrame frame(FrameType type, std::uint32_t declared, std::uint32_t data) {
  protocol::ValidatedFrame f;
  f.type = type;
  f.frame_width = f.frame_height = f.screen_width = f.screen_height = declared;
  f.data_width = f.data_height = data;
  f.pitch = data * protocol::bytes_per_texel(type);
  f.data_size = std::uint64_t{f.pitch} * data;
  return f;
}

TEST(FrameBounds, AnHonestFrameIsLeftAlone) {
  auto f = frame(FrameType::bgra, 1920, 1920);
  const auto before = f;
  EXPECT_EQ(bound_frame(f, {16384, 64ull << 20}), "");
  EXPECT_EQ(f.frame_width, before.frame_width);
  EXPECT_EQ(f.data_size, before.data_size);
}

TEST(FrameBounds, ADeclaredGiantWithTinyDataShowsWhatArrived) {
  for (FrameType type : {FrameType::bgra, FrameType::rgba16f, FrameType::bgr_32, FrameType::rgb_24}) {
    auto f = frame(type, 16384, 64);
    const std::string why = bound_frame(f, {16384, 32ull << 20});
    EXPECT_NE(why.find("16384x16384"), std::string::npos) << why;
    EXPECT_LE(frame_texture_bytes(f), 32ull << 20);
    EXPECT_LE(f.frame_height, 64u);
    EXPECT_LE(f.screen_width, 16384u * 86 / 1000);  // scaled with the frame
  }
}

TEST(FrameBounds, PastTheDeviceLimitTheTopLeftPartIsShown) {
  auto f = frame(FrameType::bgra, 8192, 8192);
  const std::string why = bound_frame(f, {4096, 1ull << 30});
  EXPECT_NE(why.find("texture limit (4096)"), std::string::npos) << why;
  EXPECT_EQ(f.frame_width, 4096u);
  EXPECT_EQ(f.data_height, 4096u);
  EXPECT_EQ(f.data_size, 4096ull * f.pitch);
}

}  // namespace
}  // namespace kagami::client
