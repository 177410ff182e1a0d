// KVMFR v20: the B7 region layout against the reference vector (kvmfr-v20.md §3, §10), and the
// user data records written and parsed back.
#include <gtest/gtest.h>

#include "fakes.h"
#include "protocol/kvmfr_frame.h"
#include "protocol/kvmfr_host.h"
#include "protocol/kvmfr_udata.h"

namespace kagami::protocol {
namespace {

GuestInfo reference_guest() {
  GuestInfo info;
  info.host_version = "B7";
  info.features = kKvmfrFeatureSetCursorPos;
  VmInfo vm;
  for (std::uint8_t i = 0; i < 16; ++i) vm.uuid[i] = i;
  vm.capture = "D12";
  vm.cpus = 8;
  vm.cores = 4;
  vm.sockets = 1;
  vm.model = "Test CPU";
  info.vm = vm;
  info.os = OsInfo{static_cast<std::uint8_t>(KvmfrOs::windows), "Windows 10"};
  return info;
}

TEST(KvmfrLayout, SetupMatchesReferenceRegion) {
  test::FakeClock clock{1000};
  test::ScriptedRandom random{0x12345678};
  test::Region region{32 << 20};
  KvmfrHost host(clock, random);
  ASSERT_TRUE(host.setup(region.bytes(), reference_guest()).ok());

  const auto expected = test::read_vector("tv2_header_32MiB.bin");
  ASSERT_EQ(expected.size(), 8192u);
  EXPECT_EQ(std::memcmp(region.data(), expected.data(), expected.size()), 0);
  EXPECT_EQ(region.word(3153920 + 48), 4092u);  // KVMFRFrame.offset of frame 0
  EXPECT_EQ(host.frame_pixels_offset(0), 3158016u);
  EXPECT_EQ(host.frame_pixels_offset(1), 18354176u + 4096u);
  EXPECT_EQ(host.frame_capacity(), 15200256u - 4096u);
}

TEST(KvmfrLayout, MaxFrameSizeFollowsRegionSize) {
  // kvmfr-v20.md §3: maxFrameSize for power-of-two regions with the 136-byte udata; the
  // allocation is that rounded up to a page, and the pixels get allocation - page.
  const std::pair<std::size_t, std::uint64_t> cases[] = {{16, 6809600}, {32, 15198208}, {64, 31975424}};
  for (auto [mib, max_frame] : cases) {
    test::FakeClock clock;
    test::ScriptedRandom random{1};
    test::Region region{mib << 20};
    KvmfrHost host(clock, random);
    ASSERT_TRUE(host.setup(region.bytes(), reference_guest()).ok());
    EXPECT_EQ(host.frame_capacity(), (max_frame + 4095) / 4096 * 4096 - 4096) << mib << " MiB";
  }
}

TEST(KvmfrLayout, TooSmallRegionIsExplained) {
  test::FakeClock clock;
  test::ScriptedRandom random{1};
  test::Region region{2 << 20};
  KvmfrHost host(clock, random);
  const Result<void> r = host.setup(region.bytes(), reference_guest());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("kagami-setup size"), std::string::npos) << r.error().message;
}

TEST(KvmfrUdata, RoundTripsEveryField) {
  const GuestInfo in = reference_guest();
  const Result<GuestInfo> out = parse_udata(build_udata(in));
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(out->host_version, "B7");
  EXPECT_EQ(out->features, kKvmfrFeatureSetCursorPos);
  ASSERT_TRUE(out->vm && out->os);
  EXPECT_EQ(out->vm->capture, "D12");
  EXPECT_EQ(out->vm->model, "Test CPU");
  EXPECT_EQ(out->vm->uuid[15], 15);
  EXPECT_EQ(out->vm->cores, 4);
  EXPECT_EQ(out->os->name, "Windows 10");
  EXPECT_STREQ(os_name(out->os->os), "Windows");
  EXPECT_TRUE(out->warnings.empty());
}

TEST(KvmfrUdata, LongStringsAreCutToTheirFields) {
  GuestInfo in = reference_guest();
  in.host_version = std::string(40, 'v');
  in.vm->capture = std::string(40, 'c');
  const Result<GuestInfo> out = parse_udata(build_udata(in));
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->host_version, std::string(31, 'v'));
  EXPECT_EQ(out->vm->capture, std::string(31, 'c'));
}

TEST(KvmfrUdata, VersionMismatchNamesBothReleases) {
  auto bytes = build_udata(reference_guest());
  const std::uint32_t v19 = 19;
  std::memcpy(bytes.data() + 8, &v19, 4);
  const Result<GuestInfo> out = parse_udata(bytes);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.error().message.find("KVMFR 19 (Looking Glass B6)"), std::string::npos) << out.error().message;
  EXPECT_NE(out.error().message.find("KVMFR 20 (Looking Glass B7)"), std::string::npos);
}

TEST(KvmfrUdata, HostileRecordsAreSkippedWithWarnings) {
  auto bytes = build_udata(reference_guest());
  // Unterminated hostver: 32 bytes without a NUL must not run on.
  std::memset(bytes.data() + 12, 'x', 32);
  // Shorten the VM info record to 10 bytes (too short for its fixed fields).
  const std::uint32_t short_size = 10;
  std::memcpy(bytes.data() + 48 + 4, &short_size, 4);
  const Result<GuestInfo> out = parse_udata(bytes);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->host_version, std::string(32, 'x'));
  EXPECT_FALSE(out->vm.has_value());
  EXPECT_FALSE(out->warnings.empty());

  auto truncated = build_udata(reference_guest());
  const std::uint32_t huge = 0xffffffff;
  std::memcpy(truncated.data() + 48 + 4, &huge, 4);
  const Result<GuestInfo> out2 = parse_udata(truncated);
  ASSERT_TRUE(out2.ok());
  EXPECT_FALSE(out2->vm.has_value());
  EXPECT_EQ(out2->warnings.size(), 1u);

  EXPECT_FALSE(parse_udata(std::span(bytes).first(47)).ok());
  bytes[0] = std::byte{'X'};
  EXPECT_FALSE(parse_udata(bytes).ok());
}

TEST(KvmfrSize, RecommendedSizesMatchTheReferenceExamples) {
  constexpr std::uint64_t MiB = 1 << 20;
  EXPECT_EQ(recommended_region_size(1920, 1080, false), 32 * MiB);
  EXPECT_EQ(recommended_region_size(2560, 1440, false), 64 * MiB);
  EXPECT_EQ(recommended_region_size(3840, 2160, false), 128 * MiB);
  EXPECT_EQ(recommended_region_size(3840, 2160, true), 256 * MiB);
  EXPECT_EQ(recommended_region_size(1, 1, false), 16 * MiB);
}

}  // namespace
}  // namespace kagami::protocol
