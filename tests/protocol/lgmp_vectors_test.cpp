// LGMP v6 host and client against the reference's test vectors (lgmp-v6.md §10): the bytes
// after init and queue creation, then every state change of §10.2, word by word.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <vector>

#include "fakes.h"
#include "protocol/lgmp_client.h"
#include "protocol/lgmp_host.h"

namespace kagami::protocol {
namespace {

using test::FakeClock;
using test::Region;
using test::ScriptedRandom;

constexpr std::size_t kSize = 1 << 20;
constexpr std::size_t kVectorBytes = 5776;

// Asserts that exactly these u32 words changed between two snapshots, to these values.
void expect_changes(const std::vector<std::byte>& before, const Region& after,
                    const std::map<std::size_t, std::uint32_t>& expected) {
  for (std::size_t off = 0; off < before.size(); off += 4) {
    std::uint32_t old_value;
    std::memcpy(&old_value, before.data() + off, 4);
    const std::uint32_t new_value = after.word(off);
    const auto it = expected.find(off);
    if (it == expected.end()) {
      EXPECT_EQ(old_value, new_value) << "unexpected change at +" << off;
    } else {
      EXPECT_EQ(new_value, it->second) << "word at +" << off;
    }
  }
}

std::vector<std::byte> snapshot(const Region& r) { return {r.data(), r.data() + 8192}; }

class LgmpVectors : public ::testing::Test {
 protected:
  FakeClock clock{1000};
  ScriptedRandom random{0x12345678, 0x0badf00d, 0x0cafe123, 0x01020304};
  Region region{kSize};
  LgmpHost host{clock, random};
  const std::vector<std::byte> udata = {std::byte{1}, std::byte{2}, std::byte{3}, std::byte{4},
                                        std::byte{5}, std::byte{6}, std::byte{7}, std::byte{8}};
  std::uint32_t q2 = 0, q1 = 0;

  void init_and_create_queues() {
    ASSERT_EQ(host.init(region.bytes(), udata), LgmpStatus::ok);
    ASSERT_EQ(host.queue_new({2, 2, 1000}, &q2), LgmpStatus::ok);
    ASSERT_EQ(host.queue_new({1, 20, 1000}, &q1), LgmpStatus::ok);
  }
};

TEST_F(LgmpVectors, InitMatchesReferenceBytes) {
  ASSERT_EQ(host.init(region.bytes(), udata), LgmpStatus::ok);
  const auto expected = test::read_vector("tv1_after_init.bin");
  ASSERT_EQ(expected.size(), kVectorBytes);
  EXPECT_EQ(std::memcmp(region.data(), expected.data(), kVectorBytes), 0);
}

TEST_F(LgmpVectors, QueuesAndAllocatorMatchReference) {
  init_and_create_queues();
  const auto expected = test::read_vector("tv1_after_queues.bin");
  EXPECT_EQ(std::memcmp(region.data(), expected.data(), kVectorBytes), 0);
  EXPECT_EQ(region.word(32 + 20), 5768u);    // messagesOffset of queue 0
  EXPECT_EQ(region.word(1176 + 20), 5816u);  // and of queue 1
  EXPECT_EQ(host.next_free(), 6152u);
  EXPECT_EQ(host.avail(), 1042424u);
  LgmpAllocation a;
  ASSERT_EQ(host.mem_alloc(24, &a), LgmpStatus::ok);
  EXPECT_EQ(a.offset, 6152u);
  ASSERT_EQ(host.mem_alloc_aligned(10000, 4096, &a), LgmpStatus::ok);
  EXPECT_EQ(a.offset, 8192u);
  EXPECT_EQ(a.size, 12288u);
  EXPECT_EQ(host.mem_alloc_aligned(16, 3, &a), LgmpStatus::invalid_alignment);
  EXPECT_EQ(host.mem_alloc(kSize, &a), LgmpStatus::no_shared_mem);
}

TEST_F(LgmpVectors, StateChangesMatchReferenceSequence) {
  init_and_create_queues();
  LgmpClient client(clock, random);
  ASSERT_EQ(client.init(region.bytes()), LgmpStatus::ok);
  std::span<const std::byte> seen_udata;
  EXPECT_EQ(client.session_init(&seen_udata), LgmpStatus::invalid_session);  // no heartbeat yet

  auto before = snapshot(region);
  clock.now = 1010;
  ASSERT_EQ(host.process(), LgmpStatus::ok);
  expect_changes(before, region, {{16, 0x3f2}});

  ASSERT_EQ(client.session_init(&seen_udata), LgmpStatus::ok);
  EXPECT_EQ(client.client_id(), 0x0badf00du);
  ASSERT_EQ(seen_udata.size(), 8u);
  EXPECT_EQ(seen_udata[7], std::byte{8});

  before = snapshot(region);
  LgmpSubscription frames;
  ASSERT_EQ(client.subscribe(2, &frames), LgmpStatus::ok);
  EXPECT_EQ(frames.subscriber_slot(), 0u);
  expect_changes(before, region, {{40, 1}, {312, 0x0badf00d}, {452, 1}});

  before = snapshot(region);
  LgmpSubscription pointer, pointer2;
  ASSERT_EQ(client.subscribe(1, &pointer), LgmpStatus::ok);
  expect_changes(before, region, {{1184, 1}, {1456, 0x0badf00d}, {1596, 1}});

  before = snapshot(region);
  ASSERT_EQ(client.subscribe(1, &pointer2), LgmpStatus::ok);
  EXPECT_EQ(pointer2.subscriber_slot(), 1u);
  EXPECT_EQ(host.new_subs(q2), 1u);
  EXPECT_EQ(host.new_subs(q1), 2u);
  expect_changes(before, region, {{40, 0}, {1184, 0}, {1460, 0x0badf00d}, {1596, 3}});

  before = snapshot(region);
  clock.now = 1020;
  ASSERT_EQ(host.post(q2, 0xAABBCCDD, {8192, 12288}), LgmpStatus::ok);
  expect_changes(before, region,
                 {{48, 1}, {464, 0x7e4}, {472, 1}, {5768, 0xaabbccdd}, {5772, 0x3000}, {5776, 0x2000}, {5780, 1}});

  before = snapshot(region);
  LgmpMessage msg;
  ASSERT_EQ(frames.process(&msg), LgmpStatus::ok);
  EXPECT_EQ(msg.udata, 0xaabbccddu);
  EXPECT_EQ(msg.size, 12288u);
  EXPECT_EQ(msg.offset, 8192u);
  ASSERT_EQ(frames.message_done(), LgmpStatus::ok);
  expect_changes(before, region, {{456, 1}, {464, 0x7da}, {472, 0}, {5780, 0}});
  EXPECT_EQ(frames.process(&msg), LgmpStatus::queue_empty);

  before = snapshot(region);
  const std::uint8_t set_cursor[12] = {0, 0, 0, 0, 100, 0, 0, 0, 200, 0, 0, 0};
  std::uint32_t serial = 0;
  ASSERT_EQ(pointer.send_data(set_cursor, &serial), LgmpStatus::ok);
  EXPECT_EQ(serial, 1u);
  expect_changes(before, region, {{1624, 9}, {1628, 1}, {1632, 1}, {1640, 0xc}, {1648, 0x64}, {1652, 0xc8}});

  before = snapshot(region);
  std::uint8_t data[64];
  std::uint32_t size = 0;
  ASSERT_EQ(host.read_data(q1, data, &size), LgmpStatus::ok);
  EXPECT_EQ(size, 12u);
  EXPECT_EQ(data[4], 100);
  host.ack_data(q1);
  expect_changes(before, region, {{1624, 10}, {1636, 1}});
  EXPECT_EQ(host.read_data(q1, data, &size), LgmpStatus::queue_empty);
  ASSERT_EQ(pointer.get_serial(&serial), LgmpStatus::ok);
  EXPECT_EQ(serial, 1u);

  const std::vector<std::uint8_t> too_big(65);
  EXPECT_EQ(pointer.send_data(too_big, &serial), LgmpStatus::invalid_size);

  before = snapshot(region);
  clock.now = 2000;
  ASSERT_EQ(host.post(q2, 1, {8192, 12288}), LgmpStatus::ok);
  expect_changes(before, region,
                 {{48, 2}, {464, 0xbb8}, {472, 1}, {5784, 1}, {5788, 0x3000}, {5792, 0x2000}, {5796, 1}});

  before = snapshot(region);
  clock.now = 2500;
  ASSERT_EQ(host.process(), LgmpStatus::ok);
  expect_changes(before, region, {{16, 2500}});

  before = snapshot(region);
  clock.now = 3001;
  ASSERT_EQ(host.process(), LgmpStatus::ok);
  expect_changes(before, region, {{16, 0xbb9}, {56, 0xfa1}, {448, 1}, {456, 2}, {472, 0}, {5796, 0}});

  before = snapshot(region);
  EXPECT_EQ(frames.process(&msg), LgmpStatus::queue_timeout);
  EXPECT_EQ(frames.message_done(), LgmpStatus::queue_timeout);
  EXPECT_EQ(frames.unsubscribe(), LgmpStatus::queue_timeout);
  expect_changes(before, region, {});

  EXPECT_EQ(host.client_ids(q2).size(), 1u);
  clock.now = 4002;
  EXPECT_EQ(host.client_ids(q2).size(), 0u);

  LgmpClient second(clock, random);
  ASSERT_EQ(second.init(region.bytes()), LgmpStatus::ok);
  clock.now = 4012;
  ASSERT_EQ(host.process(), LgmpStatus::ok);
  ASSERT_EQ(second.session_init(&seen_udata), LgmpStatus::ok);
  EXPECT_EQ(second.client_id(), 0x0cafe123u);
  before = snapshot(region);
  LgmpSubscription reaped;
  ASSERT_EQ(second.subscribe(2, &reaped), LgmpStatus::ok);
  EXPECT_EQ(reaped.subscriber_slot(), 0u);
  expect_changes(before, region, {{40, 1}, {56, 0}, {312, 0x0cafe123}, {448, 0}});

  before = snapshot(region);
  clock.now = 5000;
  ASSERT_EQ(host.init(region.bytes(), udata), LgmpStatus::ok);
  expect_changes(before, region, {{8, 0x01020304}, {16, 0x1388}, {24, 0}});
  EXPECT_FALSE(client.session_valid());
}

}  // namespace
}  // namespace kagami::protocol
