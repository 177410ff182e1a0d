// The host's heartbeat under a scribbling client (issue 11 item 3): what only the host writes is
// put back, eviction bits it never set are cleared, a queue whose every slot is taken is probed
// and its dead holders reclaimed, and newcomers are counted even when newSubCount is zeroed.
#include <gtest/gtest.h>

#include "fakes.h"
#include "protocol/lgmp_client.h"
#include "protocol/lgmp_host.h"

namespace kagami::protocol {
namespace {

class LgmpRepair : public ::testing::Test {
 protected:
  test::FakeClock clock{1000};
  test::ScriptedRandom random{};
  test::Region region{1 << 20};
  LgmpHost host{clock, random};
  std::uint32_t queue = 0;
  LgmpHeader& header = *reinterpret_cast<LgmpHeader*>(region.data());
  LgmpHeaderQueue& record = header.queues[0];
  const LgmpAllocation payload{8192, 64};
  const std::vector<std::byte> udata = {std::byte{1}, std::byte{2}, std::byte{3}};

  void SetUp() override {
    ASSERT_EQ(host.init(region.bytes(), udata), LgmpStatus::ok);
    ASSERT_EQ(host.queue_new({7, 2, 1000}, &queue), LgmpStatus::ok);  // 3 slots
  }
  void tick(int n = 1) {
    for (int i = 0; i < n; ++i) {
      clock.now += 10;
      ASSERT_EQ(host.process(), LgmpStatus::ok);
    }
  }
  std::unique_ptr<LgmpClient> join(LgmpSubscription* sub) {
    auto client = std::make_unique<LgmpClient>(clock, random);
    EXPECT_EQ(client->init(region.bytes()), LgmpStatus::ok);
    tick();
    std::span<const std::byte> data;
    EXPECT_EQ(client->session_init(&data), LgmpStatus::ok);
    EXPECT_EQ(client->subscribe(7, sub), LgmpStatus::ok);
    return client;
  }
};

TEST_F(LgmpRepair, HostOwnedFieldsArePutBackInOneTick) {
  LgmpSubscription sub;
  auto client = join(&sub);
  ASSERT_EQ(host.post(queue, 42, payload), LgmpStatus::ok);
  const std::uint32_t session = header.session_id;
  const std::uint32_t offset = record.messages_offset;
  auto& slot0 = *reinterpret_cast<LgmpHeaderMessage*>(region.data() + offset);

  record.num_messages = 0;
  record.messages_offset = 0xfffffff0;
  record.max_time = 1;
  record.queue_id = 9;
  record.position = 2;
  slot0.offset = 0x7fffffff;
  header.version = 5;
  header.session_id = 1;
  header.num_queues = 9;
  header.udata_size = 1 << 30;
  region.data()[kLgmpUdataOffset + 1] = std::byte{0x66};
  tick();

  EXPECT_EQ(record.num_messages, 3u);
  EXPECT_EQ(record.messages_offset, offset);
  EXPECT_EQ(record.max_time, 1000u);
  EXPECT_EQ(record.queue_id, 7u);
  EXPECT_EQ(record.position, 1u);
  EXPECT_EQ(slot0.offset, 8192u);
  EXPECT_EQ(header.version, kLgmpVersion);
  EXPECT_EQ(header.session_id, session);
  EXPECT_EQ(header.num_queues, 1u);
  EXPECT_EQ(header.udata_size, 3u);
  EXPECT_EQ(region.data()[kLgmpUdataOffset + 1], std::byte{2});
  EXPECT_EQ(host.repairs().count, 11u);
  LgmpMessage msg;
  ASSERT_EQ(sub.process(&msg), LgmpStatus::ok) << "the subscriber reads on as if nothing happened";
  EXPECT_EQ(msg.udata, 42u);
  EXPECT_EQ(msg.offset, 8192u);
}

TEST_F(LgmpRepair, EvictionBitsTheHostNeverSetAreCleared) {
  LgmpSubscription sub;
  auto client = join(&sub);
  record.subs = ~0ull;  // every slot taken and evicted
  for (auto& t : record.timeout) t = ~0ull;
  tick();
  EXPECT_EQ(subs_bad(record.subs), 0u);
  LgmpMessage msg;
  EXPECT_EQ(sub.process(&msg), LgmpStatus::queue_empty) << "the real subscriber is not evicted";
}

TEST_F(LgmpRepair, AFullQueueIsProbedAndItsDeadHoldersReclaimed) {
  LgmpSubscription live;
  auto client = join(&live);
  record.subs |= 0xffffffff00000000ull;  // 31 slots taken by nobody
  tick();
  ASSERT_TRUE(host.wants_probe(queue));
  ASSERT_EQ(host.post(queue, 1, payload), LgmpStatus::ok);  // the owner's probe
  EXPECT_FALSE(host.wants_probe(queue));
  // The live one answers; the others do not and are evicted after kFullQueueProbeMs, then
  // reclaimed at once because nobody else could get in.
  bool took = false;
  for (int i = 0; i < 30; ++i) {
    LgmpMessage msg;
    if (!took && live.process(&msg) == LgmpStatus::ok) took = live.message_done() == LgmpStatus::ok;
    tick();
  }
  EXPECT_TRUE(took);
  EXPECT_EQ(subs_on(record.subs), 1u << live.subscriber_slot()) << std::hex << record.subs;
  LgmpSubscription newcomer;
  EXPECT_EQ(client->subscribe(7, &newcomer), LgmpStatus::ok);
  LgmpMessage msg;
  EXPECT_EQ(live.process(&msg), LgmpStatus::queue_empty) << "the live holder keeps its slot";
}

TEST_F(LgmpRepair, EvictedSlotsKeepTheDeadlineTheHostGave) {
  LgmpSubscription dead;
  auto client = join(&dead);
  ASSERT_EQ(host.post(queue, 1, payload), LgmpStatus::ok);
  tick(101);  // evicted: timeout = now + 1000
  const std::uint64_t deadline = record.timeout[0];
  ASSERT_NE(subs_bad(record.subs), 0u);
  record.timeout[0] = ~0ull;  // would keep the slot from ever being reaped
  tick();
  EXPECT_EQ(record.timeout[0], deadline);
}

TEST_F(LgmpRepair, NewcomersAreCountedEvenIfNewSubCountIsZeroed) {
  LgmpSubscription sub;
  auto client = join(&sub);
  EXPECT_EQ(host.new_subs(queue), 1u);
  LgmpSubscription second;
  ASSERT_EQ(client->subscribe(7, &second), LgmpStatus::ok);
  record.new_sub_count = 0;  // a client hid it
  tick();
  EXPECT_GE(host.new_subs(queue), 1u) << "(the first may be counted again: one repost too many is harmless)";
  EXPECT_EQ(host.new_subs(queue), 0u);
}

TEST_F(LgmpRepair, AnImpossibleClientMessageRingStartsOver) {
  LgmpSubscription sub;
  auto client = join(&sub);
  record.cmsg_avail = ~0u;
  record.cmsg_wpos = 1000;
  tick();
  EXPECT_EQ(record.cmsg_avail, kLgmpMsgsMax);
  const std::uint8_t data[4] = {1, 2, 3, 4};
  std::uint32_t serial = 0;
  ASSERT_EQ(sub.send_data(data, &serial), LgmpStatus::ok) << "the client can send again";
  std::array<std::uint8_t, kLgmpMsgsSize> out{};
  std::uint32_t size = 0;
  ASSERT_EQ(host.read_data(queue, out, &size), LgmpStatus::ok);
  EXPECT_EQ(size, 4u);
  EXPECT_EQ(out[3], 4);
}

TEST_F(LgmpRepair, WhatCannotBeRepairedStillAsksForANewSession) {
  record.lock = 1;
  clock.now += 10;
  EXPECT_EQ(host.process(), LgmpStatus::corrupted);
  record.lock = 0;
  header.magic = 0;
  EXPECT_EQ(host.process(), LgmpStatus::corrupted);
}

}  // namespace
}  // namespace kagami::protocol
