#include "setup/size.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace kagami::setup {
namespace {

using ::testing::HasSubstr;

std::uint64_t mib_for(std::uint32_t w, std::uint32_t h, bool hdr = false) {
  return region_size_for({w, h}, hdr).region_bytes / kMiB;
}

// The examples published with the formula (kvmfr-v20.md §8).
TEST(RegionSize, MatchesTheReferenceExamples) {
  EXPECT_EQ(mib_for(1920, 1080), 32u);
  EXPECT_EQ(mib_for(2560, 1440), 64u);
  EXPECT_EQ(mib_for(3840, 2160), 128u);
  EXPECT_EQ(mib_for(3840, 2160, true), 256u);
}

// 1024x768x4x2 is exactly 6 MiB: 6 + 10 = 16 MiB is already a power of two (ceil(log2 16) = 4).
TEST(RegionSize, ExactPowerOfTwoIsNotRoundedUpButOneMorePixelIs) {
  EXPECT_EQ(mib_for(1024, 768), 16u);
  EXPECT_EQ(mib_for(1024, 769), 32u);
  EXPECT_EQ(mib_for(1, 1), 16u);  // 10 MiB + 8 bytes
}

// Property check over many resolutions: the region is the smallest power of two >= the need.
TEST(RegionSize, IsTheSmallestPowerOfTwoHoldingTwoFramesAndTenMib) {
  for (std::uint32_t w = 640; w <= 7680; w += 160) {
    for (std::uint32_t h = 480; h <= 4320; h += 120) {
      for (bool hdr : {false, true}) {
        auto calc = region_size_for({w, h}, hdr);
        ASSERT_EQ(calc.region_bytes & (calc.region_bytes - 1), 0u) << w << "x" << h;
        ASSERT_GE(calc.region_bytes, calc.needed_bytes) << w << "x" << h;
        ASSERT_LT(calc.region_bytes / 2, calc.needed_bytes) << w << "x" << h;
      }
    }
  }
}

TEST(RegionSize, KeepsTheIntermediateSteps) {
  auto calc = region_size_for({1920, 1080}, false);
  EXPECT_EQ(calc.bytes_per_pixel, 4u);
  EXPECT_EQ(calc.frame_bytes, 8294400u);
  EXPECT_EQ(calc.needed_bytes, 2 * 8294400u + 10 * kMiB);
}

TEST(RegionSize, ExplanationShowsTheArithmetic) {
  std::string text = explain_region_size(region_size_for({1920, 1080}, false));
  EXPECT_THAT(text, HasSubstr("1920x1080 SDR: 32 MiB"));
  EXPECT_THAT(text, HasSubstr("8294400 bytes"));
  EXPECT_THAT(text, HasSubstr("15.82 MiB"));
  EXPECT_THAT(text, HasSubstr("25.82 MiB"));
  EXPECT_THAT(text, HasSubstr("kagami-setup shm --size 32M"));
  EXPECT_THAT(explain_region_size(region_size_for({3840, 2160}, true)), HasSubstr("136.56 MiB"));
}

TEST(RegionSize, WarnsAboveTheLookingGlassLimit) {
  std::string text = explain_region_size(region_size_for({16384, 16384}, true));
  EXPECT_THAT(text, HasSubstr("warning: more than 1024 MiB"));
  EXPECT_THAT(explain_region_size(region_size_for({1920, 1080}, false)), Not(HasSubstr("warning")));
}

TEST(ParseResolution, AcceptsWxHAndRejectsTheRest) {
  auto r = parse_resolution("2560x1440");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->width, 2560u);
  EXPECT_EQ(r->height, 1440u);
  EXPECT_TRUE(parse_resolution("800X600"));
  EXPECT_THAT(parse_resolution("1920").error().message, HasSubstr("WIDTHxHEIGHT"));
  EXPECT_THAT(parse_resolution("0x600").error().message, HasSubstr("out of range"));
  EXPECT_THAT(parse_resolution("1920x1080p").error().message, HasSubstr("unexpected 'p'"));
  EXPECT_FALSE(parse_resolution("x"));
}

TEST(ParseSize, PlainNumbersAreMibAndUnitsScale) {
  EXPECT_EQ(*parse_size("32"), 32 * kMiB);
  EXPECT_EQ(*parse_size("64M"), 64 * kMiB);
  EXPECT_EQ(*parse_size("64MiB"), 64 * kMiB);
  EXPECT_EQ(*parse_size("1G"), 1024 * kMiB);
  EXPECT_EQ(*parse_size("512K"), 512 * 1024u);
  EXPECT_EQ(*parse_size("33554432B"), 32 * kMiB);
  EXPECT_THAT(parse_size("32T").error().message, HasSubstr("unknown unit 'T'"));
  EXPECT_FALSE(parse_size("0"));
  EXPECT_FALSE(parse_size("M"));
}

}  // namespace
}  // namespace kagami::setup
