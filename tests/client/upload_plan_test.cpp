#include "client/upload_plan.h"

#include <gtest/gtest.h>

#include <random>

namespace kagami::client {
namespace {

using protocol::FrameType;

protocol::ValidatedFrame frame(FrameType type, std::uint32_t data_width, std::uint32_t rows,
                               std::uint32_t pitch) {
  protocol::ValidatedFrame f;
  f.type = type;
  f.data_width = data_width;
  f.data_height = rows;
  f.frame_width = data_width;
  f.frame_height = rows;
  f.pitch = pitch;
  f.data_size = std::uint64_t{rows} * pitch;
  return f;
}

TEST(UploadPlan, FullFrameGoesInBandsTopToBottomWaitingForEachBand) {
  const auto f = frame(FrameType::bgra, 1920, 1080, 7680);
  const auto bands = plan_upload(f, true);
  ASSERT_GT(bands.size(), 1u);
  std::uint32_t next_row = 0;
  for (const auto& b : bands) {
    EXPECT_EQ(b.y, next_row);
    EXPECT_EQ(b.width, 1920u);
    EXPECT_EQ(b.ready_bytes, std::uint64_t{b.y + b.height} * 7680);
    next_row = b.y + b.height;
  }
  EXPECT_EQ(next_row, 1080u);
  EXPECT_EQ(bands.back().ready_bytes, f.data_size);
}

TEST(UploadPlan, DamageRectsAreOrderedByTheirLastRow) {
  auto f = frame(FrameType::bgra, 100, 100, 400);
  f.damage = {{0, 50, 10, 40}, {5, 0, 10, 10}, {20, 10, 30, 5}};
  const auto bands = plan_upload(f, false);
  ASSERT_EQ(bands.size(), 3u);
  EXPECT_EQ(bands[0].ready_bytes, 10u * 400);
  EXPECT_EQ(bands[1].ready_bytes, 15u * 400);
  EXPECT_EQ(bands[2].ready_bytes, 90u * 400);
}

TEST(UploadPlan, EmptyDamageMeansEverything) {
  const auto f = frame(FrameType::rgba, 64, 64, 256);
  const auto bands = plan_upload(f, false);
  ASSERT_FALSE(bands.empty());
  EXPECT_EQ(bands.back().ready_bytes, f.data_size);
}

TEST(UploadPlan, Bgr32RectsAreConvertedToTheTexelsHoldingTheirBytes) {
  // Reference §4: x' = x*3/4, w' = ((x+w)*3+3)/4 - x'.
  auto f = frame(FrameType::bgr_32, 192, 10, 768);
  f.frame_width = 256;
  f.damage = {{33, 1, 7, 2}};
  const auto bands = plan_upload(f, false);
  ASSERT_EQ(bands.size(), 1u);
  EXPECT_EQ(bands[0].x, 33u * 3 / 4);
  EXPECT_EQ(bands[0].width, (40u * 3 + 3) / 4 - 33u * 3 / 4);
}

TEST(UploadPlan, RectsAreClampedToTheBuffer) {
  auto f = frame(FrameType::bgra, 100, 50, 400);
  f.frame_height = 80;  // truncated: only 50 rows present
  f.damage = {{90, 40, 50, 30}, {0, 60, 10, 10}};
  const auto bands = plan_upload(f, false);
  ASSERT_EQ(bands.size(), 1u);
  EXPECT_EQ(bands[0].width, 10u);
  EXPECT_EQ(bands[0].height, 10u);
  EXPECT_EQ(bands[0].ready_bytes, f.data_size);
}

// Whatever the frame and its damage say, every band stays inside its rows and inside data_size:
// the bands become reads from guest memory.
TEST(UploadPlan, NeverPlansAReadOutsideTheBuffer) {
  std::mt19937 rng(7);
  const auto any = [&]() -> std::uint32_t {
    switch (rng() % 4) {
      case 0:
        return static_cast<std::uint32_t>(rng() % 64);
      case 1:
        return static_cast<std::uint32_t>(rng() % 5000);
      case 2:
        return static_cast<std::uint32_t>(0xFFFFFFFFu - rng() % 16);
      default:
        return static_cast<std::uint32_t>(rng());
    }
  };
  for (int i = 0; i < 20000; ++i) {
    protocol::ValidatedFrame f;
    f.type = static_cast<FrameType>(1 + rng() % 6);
    f.data_width = any() % 20000;
    f.data_height = any() % 20000;
    f.frame_width = any();
    f.frame_height = any();
    f.pitch = any() % 200000;
    f.data_size = std::uint64_t{any()} * (rng() % 3);
    for (auto r = rng() % 8; r > 0; --r) f.damage.push_back({any(), any(), any(), any()});
    const std::uint64_t bpp = protocol::bytes_per_texel(f.type);
    for (const auto& b : plan_upload(f, rng() % 4 == 0)) {
      ASSERT_GT(b.width, 0u);
      ASSERT_GT(b.height, 0u);
      ASSERT_LE(std::uint64_t{b.x} + b.width, f.data_width);
      ASSERT_LE(std::uint64_t{b.y} + b.height, f.data_height);
      const std::uint64_t last_byte =
          (std::uint64_t{b.y} + b.height - 1) * f.pitch + (std::uint64_t{b.x} + b.width) * bpp;
      ASSERT_LE(last_byte, f.data_size) << "frame " << i;
      ASSERT_LE((std::uint64_t{b.x} + b.width) * bpp, f.pitch);
      ASSERT_LE(b.ready_bytes, f.data_size);
    }
  }
}

TEST(UploadPlan, NothingForAnEmptyBuffer) {
  EXPECT_TRUE(plan_upload(frame(FrameType::bgra, 0, 10, 0), true).empty());
}

}  // namespace
}  // namespace kagami::client
