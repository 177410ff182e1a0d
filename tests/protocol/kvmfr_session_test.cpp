// KvmfrHost and KvmfrSession together on one buffer with a fake clock: connecting, frames and
// their write pointer, cursor messages, client messages, and every recovery path
// (agent stop, agent restart, eviction after a stall, incompatible agents).
#include <gtest/gtest.h>

#include "fakes.h"
#include "protocol/kvmfr_host.h"
#include "protocol/kvmfr_session.h"

namespace kagami::protocol {
namespace {

class SessionTest : public ::testing::Test {
 protected:
  test::FakeClock clock{1000};
  test::ScriptedRandom random{};
  test::Region region{16 << 20};
  KvmfrHost host{clock, random};
  KvmfrSession session{region.bytes(), clock, random};
  std::uint32_t serial = 0;

  void SetUp() override { ASSERT_TRUE(host.setup(region.bytes(), guest()).ok()); }

  static GuestInfo guest() {
    GuestInfo info;
    info.host_version = "kagami-test";
    info.features = kKvmfrFeatureSetCursorPos;
    info.os = OsInfo{static_cast<std::uint8_t>(KvmfrOs::linux), "Debian 12"};
    return info;
  }

  // Lets time pass with the host's heartbeat running, polling the session at each step.
  void run(std::uint64_t ms, bool heartbeat = true) {
    for (std::uint64_t i = 0; i < ms; i += 10) {
      clock.now += 10;
      if (heartbeat) (void)host.process();
      session.poll();
    }
  }

  void connect() {
    run(30);
    ASSERT_TRUE(session.connected()) << session.status().message;
  }

  // Posts a 64x32 BGRA frame whose pixel bytes are all `value`.
  FrameWrite post(std::uint8_t value, std::vector<FrameDamageRect> damage = {}) {
    FrameDescription d;
    d.frame_serial = serial++;
    d.type = FrameType::bgra;
    d.screen_width = d.frame_width = d.data_width = 64;
    d.screen_height = d.frame_height = d.data_height = 32;
    d.pitch = 64 * 4;
    d.damage = damage;
    Result<FrameWrite> w = host.post_frame(d);
    EXPECT_TRUE(w.ok()) << (w.ok() ? "" : w.error().message);
    std::fill(w->pixels().begin(), w->pixels().end(), std::byte{value});
    w->finish();
    return *w;
  }
};

TEST_F(SessionTest, WaitsForTheAgentThenConnects) {
  test::Region empty{16 << 20};
  KvmfrSession lonely(empty.bytes(), clock, random);
  EXPECT_EQ(lonely.poll().state, SessionState::waiting_for_agent);
  EXPECT_NE(lonely.status().message.find("no LGMP header"), std::string::npos) << lonely.status().message;

  connect();
  EXPECT_EQ(session.status().message, "connected to kagami-test (Debian 12)");
  EXPECT_EQ(session.guest().os->name, "Debian 12");
  EXPECT_TRUE(host.has_subscribers());
  EXPECT_EQ(host.new_frame_subscribers(), 1u);
  EXPECT_EQ(host.new_pointer_subscribers(), 1u);
}

TEST_F(SessionTest, ReceivesFramesWithPixelsAndDamage) {
  connect();
  post(0x42, {{1, 2, 3, 4}, {60, 30, 10, 10}});
  auto frame = session.receive_frame();
  ASSERT_TRUE(frame.ok() && frame->has_value());
  const ValidatedFrame& f = **frame;
  EXPECT_EQ(f.frame_width, 64u);
  EXPECT_EQ(f.pitch, 256u);
  ASSERT_EQ(f.damage.size(), 2u);
  EXPECT_EQ(f.damage[1].width, 4u) << "clipped to the frame";
  EXPECT_EQ(f.damage[1].height, 2u);
  EXPECT_EQ(frame_bytes_ready(region.bytes(), f), f.data_size);
  EXPECT_EQ(region.data()[f.pixels_offset + 100], std::byte{0x42});
  // Held until done: nothing more is handed out meanwhile.
  EXPECT_FALSE(session.receive_frame()->has_value());
  session.frame_done();
  EXPECT_FALSE(session.receive_frame()->has_value());
}

TEST_F(SessionTest, WritePointerGatesProgressiveReads) {
  connect();
  FrameDescription d;
  d.type = FrameType::bgra;
  d.screen_width = d.frame_width = d.data_width = 64;
  d.screen_height = d.frame_height = d.data_height = 32;
  d.pitch = 256;
  Result<FrameWrite> w = host.post_frame(d);
  ASSERT_TRUE(w.ok());
  auto frame = session.receive_frame();
  ASSERT_TRUE(frame.ok() && frame->has_value());
  EXPECT_EQ(frame_bytes_ready(region.bytes(), **frame), 0u);
  EXPECT_FALSE(wait_frame_bytes(region.bytes(), **frame, 256, clock, 0));
  w->advance(10 * 256);
  EXPECT_EQ(frame_bytes_ready(region.bytes(), **frame), 2560u);
  EXPECT_TRUE(wait_frame_bytes(region.bytes(), **frame, 2560, clock, 0));
  w->advance(1u << 30);  // clamped to the frame's data size
  EXPECT_EQ(frame_bytes_ready(region.bytes(), **frame), 32u * 256u);
}

TEST_F(SessionTest, RepostedFrameReachesANewSubscriberButRepeatsAreSkipped) {
  connect();
  post(1);
  ASSERT_TRUE(session.receive_frame()->has_value());
  session.frame_done();
  ASSERT_TRUE(host.repost_last_frame().ok());
  EXPECT_FALSE(session.receive_frame()->has_value()) << "same serial: skipped";
  run(20);

  KvmfrSession late(region.bytes(), clock, random);
  for (int i = 0; i < 3 && !late.connected(); ++i) run(10), late.poll();
  ASSERT_TRUE(late.connected());
  ASSERT_TRUE(host.repost_last_frame().ok());
  auto frame = late.receive_frame();
  ASSERT_TRUE(frame.ok() && frame->has_value());
  EXPECT_EQ((*frame)->frame_serial, 0u);
}

TEST_F(SessionTest, QueueIsFullWhileTheClientHoldsFrames) {
  connect();
  post(1);
  EXPECT_TRUE(host.frame_slot_free());
  post(2);
  EXPECT_FALSE(host.frame_slot_free()) << "B7 waits while two frames are pending";
  ASSERT_TRUE(session.receive_frame()->has_value());
  EXPECT_TRUE(session.frame_done());
  EXPECT_TRUE(host.frame_slot_free());
}

TEST_F(SessionTest, EvictedClientSubscribesAgainAndKeepsReceiving) {
  connect();
  post(1);
  ASSERT_TRUE(session.receive_frame()->has_value());
  // The viewer stalls (window hidden) holding the frame for more than the 1 s queue timeout.
  for (int i = 0; i < 120; ++i) {
    clock.now += 10;
    (void)host.process();
  }
  EXPECT_FALSE(session.frame_done()) << "the frame may have been overwritten while we held it";
  EXPECT_TRUE(session.connected());
  EXPECT_EQ(session.counters().resubscribes, 1u);
  post(2);
  auto frame = session.receive_frame();
  ASSERT_TRUE(frame.ok() && frame->has_value());
  EXPECT_EQ(region.data()[(*frame)->pixels_offset], std::byte{2});
}

TEST_F(SessionTest, AgentStopIsReportedAndRecovered) {
  connect();
  run(1100, /*heartbeat=*/false);
  EXPECT_EQ(session.status().state, SessionState::agent_stopped);
  EXPECT_NE(session.status().message.find("stopped"), std::string::npos) << session.status().message;
  run(30);
  EXPECT_TRUE(session.connected()) << session.status().message;
}

TEST_F(SessionTest, AgentRestartIsRecoveredWithinAFewHeartbeats) {
  connect();
  post(1);
  ASSERT_TRUE(session.receive_frame()->has_value());
  ASSERT_TRUE(host.setup(region.bytes(), guest()).ok());  // new session ID, fresh layout
  session.poll();
  EXPECT_EQ(session.status().state, SessionState::agent_stopped);
  EXPECT_NE(session.status().message.find("restarted"), std::string::npos);
  run(30);
  ASSERT_TRUE(session.connected());
  EXPECT_EQ(session.counters().sessions, 2u);
  serial = 0;  // the new agent counts from 0 again: must not be mistaken for a repeat
  post(7);
  auto frame = session.receive_frame();
  ASSERT_TRUE(frame.ok() && frame->has_value());
  EXPECT_EQ(region.data()[(*frame)->pixels_offset], std::byte{7});
}

TEST_F(SessionTest, IncompatibleAgentsAreNamed) {
  test::Region other{16 << 20};
  KvmfrHost b6(clock, random);
  ASSERT_TRUE(b6.setup(other.bytes(), guest()).ok());
  const std::uint32_t v19 = 19;
  std::memcpy(other.data() + kLgmpUdataOffset + 8, &v19, 4);
  KvmfrSession viewer(other.bytes(), clock, random);
  // An old agent's heartbeat (our host's process() would repair the patched user data).
  auto& header = *reinterpret_cast<LgmpHeader*>(other.data());
  for (int i = 0; i < 3; ++i) {
    clock.now += 10;
    header.timestamp = clock.now;
    viewer.poll();
  }
  EXPECT_EQ(viewer.status().state, SessionState::incompatible);
  EXPECT_NE(viewer.status().message.find("Looking Glass B6"), std::string::npos) << viewer.status().message;

  const std::uint32_t lgmp5 = 5;
  std::memcpy(other.data() + 4, &lgmp5, 4);
  clock.now += 1000;
  viewer.poll();
  EXPECT_NE(viewer.status().message.find("LGMP 5"), std::string::npos) << viewer.status().message;
}

TEST_F(SessionTest, CursorShapesAndPositionsArrive) {
  connect();
  CursorUpdate shape;
  shape.has_position = true;
  shape.visible = true;
  shape.x = 10;
  shape.y = -3;
  shape.shape = CursorShape{CursorType::color, 2, 2, 8, 1, 1, std::vector<std::uint8_t>(16, 0xAB)};
  ASSERT_EQ(host.post_cursor(shape), LgmpStatus::ok);
  CursorUpdate move;
  move.has_position = true;
  move.visible = false;
  move.x = 300;
  move.y = 200;
  ASSERT_EQ(host.post_cursor(move), LgmpStatus::ok);

  auto first = session.receive_cursor();
  ASSERT_TRUE(first.ok() && first->has_value());
  ASSERT_TRUE((*first)->shape.has_value());
  EXPECT_EQ((*first)->shape->data, std::vector<std::uint8_t>(16, 0xAB));
  EXPECT_EQ((*first)->y, -3);
  EXPECT_TRUE((*first)->visible);
  auto second = session.receive_cursor();
  ASSERT_TRUE(second.ok() && second->has_value());
  EXPECT_FALSE((*second)->shape.has_value());
  EXPECT_EQ((*second)->x, 300);
  EXPECT_FALSE((*second)->visible);
  EXPECT_FALSE(session.receive_cursor()->has_value());

  // A new viewer gets the last shape at the last position.
  ASSERT_EQ(host.repost_cursor(), LgmpStatus::ok);
  auto again = session.receive_cursor();
  ASSERT_TRUE(again.ok() && again->has_value());
  ASSERT_TRUE((*again)->shape.has_value());
  EXPECT_EQ((*again)->x, 300);
}

TEST_F(SessionTest, CursorMovesReachTheAgent) {
  connect();
  ASSERT_TRUE(session.can_set_cursor_position());
  ASSERT_TRUE(session.set_cursor_position(640, -20).ok());
  const auto messages = host.take_client_messages();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].x, 640);
  EXPECT_EQ(messages[0].y, -20);
  EXPECT_TRUE(host.take_client_messages().empty());
}

TEST_F(SessionTest, HostileClientMessagesAreDroppedNotTrusted) {
  connect();
  auto& queue = reinterpret_cast<LgmpHeader*>(region.data())->queues[1];
  // A hostile client claims a 200-byte message (LGMP itself would overflow its 64-byte buffer).
  ASSERT_TRUE(session.set_cursor_position(1, 2).ok());
  queue.cmsgs[0].size = 200;
  EXPECT_TRUE(host.take_client_messages().empty());
  ASSERT_TRUE(session.set_cursor_position(3, 4).ok());
  const auto messages = host.take_client_messages();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].x, 3);
}

}  // namespace
}  // namespace kagami::protocol
