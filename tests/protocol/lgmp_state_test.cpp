// LGMP host/client state machines on a byte buffer: a full ring, every subscriber slot taken,
// a slow client among fast ones, a late joiner, a client that dies, advance-to-last.
#include <gtest/gtest.h>

#include "fakes.h"
#include "protocol/lgmp_client.h"
#include "protocol/lgmp_host.h"

namespace kagami::protocol {
namespace {

class LgmpState : public ::testing::Test {
 protected:
  test::FakeClock clock{1000};
  test::ScriptedRandom random{};
  test::Region region{1 << 20};
  LgmpHost host{clock, random};
  std::uint32_t queue = 0;
  const LgmpAllocation payload{8192, 64};

  void SetUp() override {
    ASSERT_EQ(host.init(region.bytes(), {}), LgmpStatus::ok);
    ASSERT_EQ(host.queue_new({7, 4, 1000}, &queue), LgmpStatus::ok);  // 4 messages, 5 slots
  }

  void tick(std::uint64_t ms = 10) {
    clock.now += ms;
    ASSERT_EQ(host.process(), LgmpStatus::ok);
  }

  // A client process that has joined the session and subscribed.
  std::unique_ptr<LgmpClient> join(LgmpSubscription* sub) {
    auto client = std::make_unique<LgmpClient>(clock, random);
    EXPECT_EQ(client->init(region.bytes()), LgmpStatus::ok);
    tick();
    std::span<const std::byte> udata;
    EXPECT_EQ(client->session_init(&udata), LgmpStatus::ok);
    EXPECT_EQ(client->subscribe(7, sub), LgmpStatus::ok);
    return client;
  }

  // Receives one message and marks it done; returns its udata or -1.
  static std::int64_t take(LgmpSubscription& sub) {
    LgmpMessage msg;
    if (sub.process(&msg) != LgmpStatus::ok) return -1;
    EXPECT_EQ(sub.message_done(), LgmpStatus::ok);
    return msg.udata;
  }
};

TEST_F(LgmpState, PostWithoutSubscribersIsANoOp) {
  EXPECT_EQ(host.post(queue, 1, payload), LgmpStatus::ok);
  EXPECT_EQ(host.pending(queue), 0u);
  EXPECT_FALSE(host.has_subs(queue));
}

TEST_F(LgmpState, RingKeepsOneSlotEmpty) {
  LgmpSubscription sub;
  auto client = join(&sub);
  for (std::uint32_t i = 0; i < 4; ++i) EXPECT_EQ(host.post(queue, i, payload), LgmpStatus::ok);
  EXPECT_EQ(host.post(queue, 4, payload), LgmpStatus::queue_full);
  EXPECT_EQ(take(sub), 0);
  EXPECT_EQ(host.post(queue, 4, payload), LgmpStatus::ok);
  for (std::int64_t i = 1; i <= 4; ++i) EXPECT_EQ(take(sub), i);
  EXPECT_EQ(take(sub), -1);
  EXPECT_EQ(host.pending(queue), 0u);
}

TEST_F(LgmpState, ThirtyTwoSubscribersAtMost) {
  std::vector<LgmpSubscription> subs(32);
  auto client = join(&subs[0]);
  for (std::size_t i = 1; i < 32; ++i) ASSERT_EQ(client->subscribe(7, &subs[i]), LgmpStatus::ok);
  LgmpSubscription one_more;
  EXPECT_EQ(client->subscribe(7, &one_more), LgmpStatus::queue_full);
  ASSERT_EQ(subs[5].unsubscribe(), LgmpStatus::ok);
  EXPECT_EQ(client->subscribe(7, &one_more), LgmpStatus::ok);
  EXPECT_EQ(one_more.subscriber_slot(), 5u);
}

TEST_F(LgmpState, SlowClientIsEvictedWhileTheFastOneKeepsGoing) {
  LgmpSubscription fast, slow;
  auto a = join(&fast);
  auto b = join(&slow);
  ASSERT_EQ(host.post(queue, 1, payload), LgmpStatus::ok);
  EXPECT_EQ(take(fast), 1);
  for (int i = 0; i < 101; ++i) tick();  // the slow one never finishes: evicted after 1000 ms
  LgmpMessage msg;
  EXPECT_EQ(slow.process(&msg), LgmpStatus::queue_timeout);
  EXPECT_EQ(host.pending(queue), 0u) << "the evicted client's hold is released";
  ASSERT_EQ(host.post(queue, 2, payload), LgmpStatus::ok);
  EXPECT_EQ(take(fast), 2);
  // The evicted one subscribes again (what kagami does; B7 exits) and receives new messages.
  LgmpSubscription again;
  ASSERT_EQ(b->subscribe(7, &again), LgmpStatus::ok);
  ASSERT_EQ(host.post(queue, 3, payload), LgmpStatus::ok);
  EXPECT_EQ(take(again), 3);
  EXPECT_EQ(take(fast), 3);
}

TEST_F(LgmpState, LateJoinerSeesOnlyNewMessages) {
  LgmpSubscription early;
  auto a = join(&early);
  ASSERT_EQ(host.post(queue, 1, payload), LgmpStatus::ok);
  LgmpSubscription late;
  auto b = join(&late);
  EXPECT_EQ(host.new_subs(queue), 2u);
  EXPECT_EQ(take(late), -1);
  ASSERT_EQ(host.post(queue, 2, payload), LgmpStatus::ok);
  EXPECT_EQ(take(late), 2);
  EXPECT_EQ(take(early), 1);
  EXPECT_EQ(take(early), 2);
}

TEST_F(LgmpState, DeadClientIsEvictedAndItsSlotReaped) {
  LgmpSubscription dead;
  auto a = join(&dead);
  ASSERT_EQ(host.post(queue, 1, payload), LgmpStatus::ok);
  a.reset();  // the client process crashed without unsubscribing
  for (int i = 0; i < 101; ++i) tick();
  EXPECT_EQ(host.client_ids(queue).size(), 1u) << "evicted, in its grace period";
  for (int i = 0; i < 101; ++i) tick();
  EXPECT_TRUE(host.client_ids(queue).empty());
  LgmpSubscription restarted;
  auto b = join(&restarted);
  EXPECT_EQ(restarted.subscriber_slot(), 0u) << "the dead client's slot is reaped and reused";
}

TEST_F(LgmpState, HostRestartInvalidatesTheSession) {
  LgmpSubscription sub;
  auto client = join(&sub);
  const std::uint32_t old_session = client->session_id();
  ASSERT_EQ(host.init(region.bytes(), {}), LgmpStatus::ok);
  ASSERT_EQ(host.queue_new({7, 4, 1000}, &queue), LgmpStatus::ok);
  EXPECT_FALSE(client->session_valid());
  LgmpMessage msg;
  EXPECT_EQ(sub.process(&msg), LgmpStatus::invalid_session);
  tick();
  std::span<const std::byte> udata;
  ASSERT_EQ(client->session_init(&udata), LgmpStatus::ok);
  EXPECT_NE(client->session_id(), old_session);
}

TEST_F(LgmpState, StalledHostIsDetectedByTheHeartbeat) {
  LgmpSubscription sub;
  auto client = join(&sub);
  clock.now += 900;
  EXPECT_TRUE(client->session_valid());
  clock.now += 200;
  EXPECT_FALSE(client->session_valid());
  tick();
  EXPECT_TRUE(client->session_valid());
}

TEST_F(LgmpState, AdvanceToLastSkipsToTheNewest) {
  LgmpSubscription sub;
  auto client = join(&sub);
  for (std::uint32_t i = 1; i <= 3; ++i) ASSERT_EQ(host.post(queue, i, payload), LgmpStatus::ok);
  ASSERT_EQ(sub.advance_to_last(), LgmpStatus::ok);
  EXPECT_EQ(take(sub), 3);
  EXPECT_EQ(host.pending(queue), 0u);
}

}  // namespace
}  // namespace kagami::protocol
