// A hostile or broken agent (untrusted-input.md §1–§4): every impossible value it can write is
// rejected with a message that names it, and nothing is read outside the region. These run
// under ASan + UBSan in CI, so an out-of-bounds read fails the test even if the result looked right.
#include <gtest/gtest.h>

#include "fakes.h"
#include "protocol/kvmfr_cursor.h"
#include "protocol/kvmfr_frame.h"
#include "protocol/lgmp_client.h"
#include "protocol/lgmp_host.h"

namespace kagami::protocol {
namespace {

// A region whose frame message is at `offset` with a plausible 64x32 BGRA header.
class HostileFrame : public ::testing::Test {
 protected:
  static constexpr std::uint32_t kOffset = 8192;
  static constexpr std::uint32_t kSize = 4096 + 64 * 32 * 4;
  test::Region region{kOffset + kSize};
  KvmfrFrame& frame = *reinterpret_cast<KvmfrFrame*>(region.data() + kOffset);
  LgmpMessage msg{0, kSize, kOffset};

  void SetUp() override {
    frame.type = FrameType::bgra;
    frame.screen_width = frame.frame_width = frame.data_width = 64;
    frame.screen_height = frame.frame_height = frame.data_height = 32;
    frame.pitch = 256;
    frame.offset = 4092;
  }

  std::string rejection() {
    Result<ValidatedFrame> v = validate_frame(region.bytes(), msg);
    return v.ok() ? std::string("accepted") : v.error().message;
  }
};

TEST_F(HostileFrame, PlausibleFrameIsAccepted) {
  Result<ValidatedFrame> v = validate_frame(region.bytes(), msg);
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(v->pixels_offset, kOffset + 4096u);
  EXPECT_EQ(v->data_size, 32u * 256u);
  EXPECT_EQ(v->stride, 64u) << "derived from dataWidth when 0";
}

TEST_F(HostileFrame, UnknownTypeIsRejected) {
  frame.type = static_cast<FrameType>(7);
  EXPECT_NE(rejection().find("unknown frame type 7"), std::string::npos);
  frame.type = FrameType::invalid;
  EXPECT_NE(rejection().find("unknown frame type 0"), std::string::npos);
}

TEST_F(HostileFrame, ImpossibleGeometryIsRejected) {
  frame.frame_width = 0;
  EXPECT_NE(rejection().find("geometry"), std::string::npos);
  frame.frame_width = 64;
  frame.screen_height = 100000;
  EXPECT_NE(rejection().find("geometry"), std::string::npos);
}

TEST_F(HostileFrame, PitchSmallerThanARowIsRejected) {
  frame.pitch = 100;
  EXPECT_NE(rejection().find("pitch"), std::string::npos);
  frame.pitch = 256;
  frame.stride = 65;
  EXPECT_NE(rejection().find("pitch"), std::string::npos);
}

TEST_F(HostileFrame, DataPastTheBufferIsRejected) {
  frame.data_height = 33;  // one row more than the message holds
  EXPECT_NE(rejection().find("outside"), std::string::npos);
  frame.data_height = 32;
  frame.offset = 0xfffffff0;  // B7 would read here
  EXPECT_NE(rejection().find("outside"), std::string::npos);
  frame.offset = 100;  // inside the header itself
  EXPECT_NE(rejection().find("outside"), std::string::npos);
  frame.offset = 4093;  // a misaligned write pointer
  EXPECT_NE(rejection().find("outside"), std::string::npos);
}

TEST_F(HostileFrame, PitchTimesHeightDoesNotWrapIn32Bits) {
  // 16384 rows x 262144 bytes = 4 GiB: wraps to 0 in B7's u32 multiply.
  frame.data_width = frame.frame_width = frame.screen_width = 16384;
  frame.data_height = frame.frame_height = frame.screen_height = 16384;
  frame.pitch = 262144;
  EXPECT_NE(rejection().find("outside"), std::string::npos);
}

TEST_F(HostileFrame, DamageIsBoundedAndClipped) {
  frame.damage_rects_count = 0x80000000u;  // B7 turns this into a huge memcpy
  EXPECT_NE(rejection().find("damage rects"), std::string::npos);
  frame.damage_rects_count = 3;
  frame.damage_rects[0] = {0xfffffff0, 0, 32, 32};  // x + width wraps
  frame.damage_rects[1] = {60, 0, 0xffffffff, 1};
  frame.damage_rects[2] = {100, 100, 1, 1};  // outside the frame
  Result<ValidatedFrame> v = validate_frame(region.bytes(), msg);
  ASSERT_TRUE(v.ok());
  ASSERT_EQ(v->damage.size(), 1u);
  EXPECT_EQ(v->damage[0].x, 60u);
  EXPECT_EQ(v->damage[0].width, 4u);
}

TEST_F(HostileFrame, MessageOutsideTheRegionIsRejected) {
  msg.offset = static_cast<std::uint32_t>(region.bytes().size() - 100);
  EXPECT_NE(rejection().find("smaller than a frame header"), std::string::npos);
  msg.offset = 0xffffffff;
  EXPECT_NE(rejection().find("smaller than a frame header"), std::string::npos);
}

TEST_F(HostileFrame, UnknownRotationBecomesNone) {
  frame.rotation = static_cast<FrameRotation>(9);
  Result<ValidatedFrame> v = validate_frame(region.bytes(), msg);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->rotation, FrameRotation::r0);
}

TEST_F(HostileFrame, WritePointerIsNeverTrustedPastTheData) {
  Result<ValidatedFrame> v = validate_frame(region.bytes(), msg);
  ASSERT_TRUE(v.ok());
  std::uint32_t huge = 0xffffffff;
  std::memcpy(region.data() + v->wp_offset, &huge, 4);
  EXPECT_EQ(frame_bytes_ready(region.bytes(), *v), v->data_size);
}

class HostileCursor : public ::testing::Test {
 protected:
  static constexpr std::uint32_t kOffset = 4096;
  test::Region region{kOffset + kMaxPointerSize};
  KvmfrCursor& cursor = *reinterpret_cast<KvmfrCursor*>(region.data() + kOffset);
  LgmpMessage msg{kCursorFlagShape | kCursorFlagVisible, kMaxPointerSize, kOffset};

  std::string rejection() {
    Result<CursorUpdate> c = read_cursor(region.bytes(), msg);
    return c.ok() ? std::string("accepted") : c.error().message;
  }
};

TEST_F(HostileCursor, SaneShapesAreCopied) {
  cursor = {5, 6, CursorType::monochrome, 1, 2, {}, 9, 4, 2};  // 9x2 visible, 2-byte rows
  region.data()[kOffset + 24] = std::byte{0xF0};
  Result<CursorUpdate> c = read_cursor(region.bytes(), msg);
  ASSERT_TRUE(c.ok()) << c.error().message;
  ASSERT_TRUE(c->shape.has_value());
  EXPECT_EQ(c->shape->data.size(), 8u);
  EXPECT_EQ(c->shape->data[0], 0xF0);
  EXPECT_TRUE(c->visible);
  EXPECT_FALSE(c->has_position);
}

TEST_F(HostileCursor, OversizedOrWrappingShapesAreRejected) {
  cursor = {0, 0, CursorType::color, 0, 0, {}, 100000, 100000, 400000};  // B7 makes stack VLAs of this
  EXPECT_NE(rejection().find("rejected cursor shape"), std::string::npos);
  cursor = {0, 0, CursorType::color, 0, 0, {}, 64, 64, 0x04000000};  // height*pitch wraps in u32
  EXPECT_NE(rejection().find("rejected cursor shape"), std::string::npos);
  cursor = {0, 0, CursorType::color, 0, 0, {}, 64, 64, 16};  // pitch below a row
  EXPECT_NE(rejection().find("pitch"), std::string::npos);
  cursor = {0, 0, CursorType::monochrome, 0, 0, {}, 8, 7, 1};  // odd height
  EXPECT_NE(rejection().find("monochrome"), std::string::npos);
  cursor = {0, 0, static_cast<CursorType>(3), 0, 0, {}, 8, 8, 32};
  EXPECT_NE(rejection().find("unknown cursor type"), std::string::npos);
}

TEST_F(HostileCursor, ShapeMustFitItsMessage) {
  cursor = {0, 0, CursorType::color, 0, 0, {}, 32, 32, 128};
  msg.size = 24 + 100;
  EXPECT_NE(rejection().find("does not fit"), std::string::npos);
  msg.size = 10;
  EXPECT_NE(rejection().find("smaller than a cursor header"), std::string::npos);
}

// The LGMP layer under a hostile host: impossible header values give LGMP_ERR_CORRUPTED with a reason.
class HostileLgmp : public ::testing::Test {
 protected:
  test::FakeClock clock{1000};
  test::ScriptedRandom random{};
  test::Region region{1 << 20};
  LgmpHost host{clock, random};
  LgmpClient client{clock, random};
  LgmpHeader& header = *reinterpret_cast<LgmpHeader*>(region.data());

  void SetUp() override {
    ASSERT_EQ(host.init(region.bytes(), {}), LgmpStatus::ok);
    ASSERT_EQ(host.queue_new({2, 2, 1000}, nullptr), LgmpStatus::ok);
    ASSERT_EQ(client.init(region.bytes()), LgmpStatus::ok);
    clock.now += 10;
    ASSERT_EQ(host.process(), LgmpStatus::ok);
    std::span<const std::byte> udata;
    ASSERT_EQ(client.session_init(&udata), LgmpStatus::ok);
  }
};

TEST_F(HostileLgmp, TooManyQueuesIsCorruption) {
  header.num_queues = 6;  // LGMP would scan into udata and overflow its own array
  LgmpSubscription sub;
  EXPECT_EQ(client.subscribe(2, &sub), LgmpStatus::corrupted);
  EXPECT_NE(client.last_error().find("6 queues"), std::string::npos);
}

TEST_F(HostileLgmp, ImpossibleRingIsCorruption) {
  LgmpSubscription sub;
  header.queues[0].num_messages = 0;
  EXPECT_EQ(client.subscribe(2, &sub), LgmpStatus::corrupted);
  header.queues[0].num_messages = 3;
  header.queues[0].messages_offset = (1 << 20) - 16;
  EXPECT_EQ(client.subscribe(2, &sub), LgmpStatus::corrupted);
  EXPECT_NE(client.last_error().find("impossible ring"), std::string::npos);
}

TEST_F(HostileLgmp, WriteIndexAndSlotOffsetsAreChecked) {
  LgmpSubscription sub;
  ASSERT_EQ(client.subscribe(2, &sub), LgmpStatus::ok);
  ASSERT_EQ(host.post(0, 0, {0xfffff000, 0x1000}), LgmpStatus::ok);  // a slot pointing past the end
  LgmpMessage msg;
  EXPECT_EQ(sub.process(&msg), LgmpStatus::corrupted);
  EXPECT_NE(client.last_error().find("outside"), std::string::npos);
  header.queues[0].position = 77;
  EXPECT_EQ(sub.process(&msg), LgmpStatus::corrupted);
}

TEST_F(HostileLgmp, ARefusedSubscribeTakesNoSlot) {
  header.queues[0].position = 77;  // outside the queue's 3 slots
  LgmpSubscription sub;
  EXPECT_EQ(client.subscribe(2, &sub), LgmpStatus::corrupted);
  EXPECT_NE(client.last_error().find("write index 77"), std::string::npos);
  EXPECT_EQ(header.queues[0].subs, 0u) << "the refused subscriber left its slot marked taken";
  EXPECT_EQ(header.queues[0].new_sub_count, 0u);
  EXPECT_EQ(header.queues[0].client_id[0], 0u);
}

TEST_F(HostileLgmp, ClientMessageIndexIsChecked) {
  LgmpSubscription sub;
  ASSERT_EQ(client.subscribe(2, &sub), LgmpStatus::ok);
  header.queues[0].cmsg_wpos = 1000;  // LGMP would write 68 bytes at cMsgs[1000]
  const std::uint8_t data[4] = {};
  std::uint32_t serial;
  EXPECT_EQ(sub.send_data(data, &serial), LgmpStatus::corrupted);
}

TEST_F(HostileLgmp, UserDataSizePastTheRegionIsCorruption) {
  header.udata_size = 1 << 20;
  LgmpClient other(clock, random);
  ASSERT_EQ(other.init(region.bytes()), LgmpStatus::ok);
  clock.now += 10;
  header.timestamp = clock.now;  // a hostile host's heartbeat (ours would repair udataSize)
  std::span<const std::byte> udata;
  EXPECT_EQ(other.session_init(&udata), LgmpStatus::corrupted);
}

TEST_F(HostileLgmp, AHeldLockIsGivenUpInsteadOfHanging) {
  header.queues[0].lock = 1;  // a peer that took the lock and died
  LgmpSubscription sub;
  EXPECT_EQ(client.subscribe(2, &sub), LgmpStatus::corrupted);
  EXPECT_NE(client.last_error().find("lock"), std::string::npos);
}

TEST_F(HostileLgmp, HostRejectsAClientCorruptedRing) {
  LgmpSubscription sub;
  ASSERT_EQ(client.subscribe(2, &sub), LgmpStatus::ok);
  ASSERT_EQ(host.post(0, 0, {8192, 16}), LgmpStatus::ok);
  header.queues[0].start = 1000;  // the LGMP host would index its ring with this
  EXPECT_EQ(host.process(), LgmpStatus::corrupted);
  header.queues[0].start = 0;
  header.queues[0].count = 0xffffffff;
  EXPECT_EQ(host.process(), LgmpStatus::corrupted);
}

}  // namespace
}  // namespace kagami::protocol
