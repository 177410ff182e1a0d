// Input from two windows of one kagami-client into one guest (issue 13 part 2): each region's
// agent (the protocol layer's KvmfrHost) announces its output's place in the guest desktop (the
// KGMO record); a pointer in window 2 must reach the real SPICE server (the SPICE layer's
// libspice-server test peer, whose tablet reports what QEMU's tablet would get) at desktop
// coordinates inside output 2, and keys typed in either window reach the guest. Built only with
// the SPICE layer.
#include <gtest/gtest.h>

#include <cstdlib>

#include "e2e_harness.h"
#include "frame_builder.h"
#include "spice_peer.h"
#include "xvfb.h"

namespace kagami::client {
namespace {

using spice::fixture::PeerState;
using spice::fixture::PointerEvent;
using spice::fixture::SpicePeer;

constexpr int kWidth = 640, kHeight = 360;  // each output; the guest desktop is both side by side

int xdotool(const std::string& display, const std::string& args) {
  return std::system(("DISPLAY=" + display + " xdotool " + args + " >/dev/null 2>&1").c_str());
}

protocol::GuestInfo output_info(const char* name, std::uint16_t index) {
  protocol::GuestInfo info = test::TestAgent::default_info();
  protocol::OutputInfo output;
  output.name = name;
  output.rect = {index * kWidth, 0, kWidth, kHeight};
  output.desktop = {0, 0, 2 * kWidth, kHeight};
  output.index = index;
  output.count = 2;
  info.output = output;
  return info;
}

// What the guest's pointer devices got, for failure messages.
std::string pointer_events(SpicePeer& peer) {
  std::string out;
  for (const PointerEvent& p : peer.snapshot().pointer) {
    out += p.kind == PointerEvent::Kind::Position  ? " position "
           : p.kind == PointerEvent::Kind::Buttons ? " buttons "
                                                   : " other ";
    out += std::to_string(p.x) + "," + std::to_string(p.y) + "/" + std::to_string(p.buttons) + ";";
  }
  return out.empty() ? "none" : out;
}

bool position_reached(SpicePeer& peer, int x, int y) {
  return peer.wait_for(
      [&](const PeerState& s) {
        for (const PointerEvent& p : s.pointer) {
          if (p.kind == PointerEvent::Kind::Position && p.x == x && p.y == y) return true;
        }
        return false;
      },
      5000);
}

TEST(ClientMultiWindowSpice, PointerInTheSecondWindowLandsOnTheSecondOutputOfTheDesktop) {
  ASSERT_EQ(std::system("command -v xdotool >/dev/null"), 0) << "xdotool is needed (scripts/deps/client.txt)";
  test::Xvfb xvfb(2 * kWidth, kHeight + 40);
  SpicePeer peer;
  test::ShmRegion left(32u << 20), right(32u << 20);
  test::TestAgent left_agent(left.bytes()), right_agent(right.bytes());
  left_agent.start(output_info("LEFT", 0));
  right_agent.start(output_info("RIGHT", 1));
  const test::BuiltFrame left_frame = test::build_frame(protocol::FrameType::bgra, kWidth, kHeight, 1);
  const test::BuiltFrame right_frame = test::build_frame(protocol::FrameType::bgra, kWidth, kHeight, 2);
  // Windows at 0,0 and 640,0, each showing its output 1:1.
  test::ClientProcess client(
      xvfb.display(), left.path(), kWidth, kHeight,
      {"--shm", right.path(), "--spice", "--spice-uri", peer.uri(), "--no-audio", "--no-clipboard"});
  left_agent.post(left_frame);
  right_agent.post(right_frame);
  ASSERT_TRUE(client.wait_for_log("input goes to the guest")) << client.log();
  ASSERT_TRUE(client.wait_for_log(right.path() + ": guest image 640x360")) << client.log();
  ASSERT_TRUE(client.wait_for_log(left.path() + ": guest image 640x360")) << client.log();
  ASSERT_TRUE(peer.wait_for([](const PeerState& s) { return s.tablet_width > 0; }, 5000))
      << "the client never offered an absolute pointer";

  // Window 2's pixel (10, 20) is output 2's (10, 20): desktop (650, 20).
  peer.clear_inputs();
  ASSERT_EQ(xdotool(xvfb.display(), "mousemove 650 20 click 1"), 0);
  EXPECT_TRUE(position_reached(peer, 650, 20)) << "pointer events:" << pointer_events(peer) << "\n"
                                               << client.log();
  EXPECT_TRUE(peer.wait_for(
      [](const PeerState& s) {
        // spice-server reports a press through the tablet's wheel() with the button held, the
        // release through buttons() (tests/spice/input_test.cpp).
        bool pressed = false;
        for (const PointerEvent& p : s.pointer) {
          if (p.buttons != 0) pressed = true;
          if (pressed && p.kind == PointerEvent::Kind::Buttons && p.buttons == 0) return true;
        }
        return false;
      },
      5000))
      << "the click did not arrive; pointer events:" << pointer_events(peer);
  // Window 1's pixel (10, 20) is output 1's: desktop (10, 20).
  ASSERT_EQ(xdotool(xvfb.display(), "mousemove 10 20"), 0);
  EXPECT_TRUE(position_reached(peer, 10, 20)) << "pointer events:" << pointer_events(peer) << "\n"
                                              << client.log();

  // Keys typed in either window go to the guest (without a window manager the key focus follows
  // the pointer).
  peer.clear_inputs();
  ASSERT_EQ(xdotool(xvfb.display(), "mousemove 700 100 key a mousemove 100 100 key b"), 0);
  ASSERT_TRUE(peer.wait_for([](const PeerState& s) { return s.key_bytes.size() >= 4; }, 5000))
      << client.log();
  std::vector<std::uint8_t> bytes;
  for (const auto& k : peer.snapshot().key_bytes) bytes.push_back(k.byte);
  EXPECT_EQ(bytes, (std::vector<std::uint8_t>{0x1E, 0x9E, 0x30, 0xB0}));
  EXPECT_TRUE(client.alive());
}

}  // namespace
}  // namespace kagami::client
