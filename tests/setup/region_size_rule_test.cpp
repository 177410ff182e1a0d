// The one region-size rule (common/region_size.h) and what it promises: the agent's host layout
// refuses exactly what the rule refuses, and regions of 4 GiB and more (which used to overflow
// LGMP's 32-bit size and fail as "must be at least 16 MiB") are laid out and read by a client.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/mman.h>

#include <chrono>
#include <thread>

#include "common/clock.h"
#include "common/region_size.h"
#include "protocol/kvmfr_host.h"
#include "protocol/kvmfr_session.h"

namespace kagami {
namespace {

using ::testing::HasSubstr;

constexpr std::uint64_t kMiB = 1024 * 1024;
constexpr std::uint64_t kGiB = 1024 * kMiB;

// Anonymous memory reserved lazily: an 8 GiB "region" costs only the pages LGMP touches.
class LazyRegion {
 public:
  explicit LazyRegion(std::uint64_t size) : size_(size) {
    base_ = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  }
  ~LazyRegion() {
    if (base_ != MAP_FAILED) munmap(base_, size_);
  }
  bool ok() const { return base_ != MAP_FAILED; }
  std::span<std::byte> bytes() const { return {static_cast<std::byte*>(base_), size_}; }

 private:
  void* base_;
  std::uint64_t size_;
};

Result<void> lay_out(std::span<std::byte> region, protocol::KvmfrHost& host) {
  return host.setup(region, protocol::GuestInfo{});
}

TEST(RegionSizeRule, TheAgentRefusesWhatTheRuleRefusesAndNothingElse) {
  MonotonicClock clock;
  SystemRandom random;
  for (std::uint64_t size : {std::uint64_t{4096}, kMiB, 2 * kMiB, 3 * kMiB, 4 * kMiB, 16 * kMiB}) {
    LazyRegion region(size);
    ASSERT_TRUE(region.ok());
    protocol::KvmfrHost host(clock, random);
    auto laid_out = lay_out(region.bytes(), host);
    auto problem = region_size_problem(size);
    EXPECT_EQ(laid_out.ok(), !problem.has_value()) << size;
    if (problem) {
      EXPECT_EQ(laid_out.error().message, *problem);
      EXPECT_THAT(*problem, HasSubstr("at least 4 MiB"));
    }
  }
}

TEST(RegionSizeRule, FourAndEightGiBRegionsWorkEndToEnd) {
  MonotonicClock clock;
  SystemRandom random;
  for (std::uint64_t size : {4 * kGiB, 8 * kGiB}) {
    LazyRegion region(size);
    ASSERT_TRUE(region.ok()) << "cannot reserve " << size;
    protocol::KvmfrHost host(clock, random);
    auto laid_out = lay_out(region.bytes(), host);
    ASSERT_TRUE(laid_out) << laid_out.error().message;
    EXPECT_GT(host.frame_capacity(), kGiB);  // two frame buffers share the first 4 GiB
    EXPECT_TRUE(region_size_note(size).has_value());

    // A client on the whole mapping connects and receives a frame from the far buffer.
    protocol::KvmfrSession session(region.bytes(), clock, random);
    for (int i = 0; i < 100 && !session.connected(); ++i) {
      (void)host.process();
      session.poll();
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ASSERT_TRUE(session.connected()) << session.status().message;
    protocol::FrameDescription d;
    d.type = protocol::FrameType::bgra;
    d.screen_width = d.frame_width = d.data_width = 64;
    d.screen_height = d.frame_height = d.data_height = 32;
    d.pitch = 256;
    for (std::uint32_t serial = 1; serial <= 2; ++serial) {  // the second frame uses the second buffer
      d.frame_serial = serial;
      auto write = host.post_frame(d);
      ASSERT_TRUE(write) << write.error().message;
      write->finish();
      std::optional<protocol::ValidatedFrame> frame;
      for (int i = 0; i < 100 && !frame; ++i) {
        (void)host.process();
        session.poll();
        auto received = session.receive_frame();
        ASSERT_TRUE(received) << received.error().message;
        frame = *received;
      }
      ASSERT_TRUE(frame) << "no frame " << serial << " in a " << size / kGiB << " GiB region";
      EXPECT_EQ(frame->frame_serial, serial);
      EXPECT_TRUE(session.frame_done());
    }
  }
}

TEST(RegionSizeRule, FormatsSizesForPeople) {
  EXPECT_EQ(format_region_bytes(4096), "4 KiB");
  EXPECT_EQ(format_region_bytes(4 * kMiB), "4 MiB");
  EXPECT_EQ(format_region_bytes(8 * kGiB), "8 GiB");
  EXPECT_EQ(format_region_bytes(1000), "1000 bytes");
  EXPECT_EQ(lgmp_usable_bytes(8 * kGiB), kLgmpLimit);
  EXPECT_EQ(lgmp_usable_bytes(64 * kMiB), 64 * kMiB);
}

}  // namespace
}  // namespace kagami
