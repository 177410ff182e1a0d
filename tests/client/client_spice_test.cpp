// kagami-client's input path end to end: real key presses and pointer moves (xdotool) in the real
// client window on Xvfb reach a real SPICE server (the SPICE layer's libspice-server test peer),
// and the client's own escape-key commands do not. Built only with the SPICE layer.
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

int xdotool(const std::string& display, const std::string& args) {
  return std::system(("DISPLAY=" + display + " xdotool " + args + " >/dev/null 2>&1").c_str());
}

std::vector<std::uint8_t> key_bytes(const PeerState& s) {
  std::vector<std::uint8_t> bytes;
  for (const auto& k : s.key_bytes) bytes.push_back(k.byte);
  return bytes;
}

TEST(ClientSpice, KeysAndPointerReachTheGuestButClientCommandsDoNot) {
  ASSERT_EQ(std::system("command -v xdotool >/dev/null"), 0) << "xdotool is needed (scripts/deps/client.txt)";
  test::Xvfb xvfb(1024, 768);
  SpicePeer peer;
  test::ShmRegion region(32u << 20);
  test::TestAgent agent(region.bytes());
  agent.start();
  // A 1280x800 guest desktop captured at 640x400 and shown 1:1: window pixel (x, y) is guest (2x, 2y).
  test::BuiltFrame frame = test::build_frame(protocol::FrameType::bgra, 640, 400);
  frame.description.screen_width = 1280;
  frame.description.screen_height = 800;
  test::ClientProcess client(xvfb.display(), region.path(), 640, 400,
                             {"--spice", "--spice-uri", peer.uri(), "--no-audio", "--no-clipboard"});
  agent.post(frame);
  ASSERT_TRUE(client.wait_for_log("input goes to the guest")) << client.log();
  ASSERT_TRUE(client.wait_for_log("guest image 640x400")) << client.log();

  // A plain key: its set-1 press and release.
  peer.clear_inputs();
  ASSERT_EQ(xdotool(xvfb.display(), "mousemove 300 200 key a"), 0);
  ASSERT_TRUE(peer.wait_for([](const PeerState& s) { return s.key_bytes.size() >= 2; }, 5000))
      << client.log();
  EXPECT_EQ(key_bytes(peer.snapshot()), (std::vector<std::uint8_t>{0x1E, 0x9E}));

  // Escape + D (statistics) is the client's: nothing reaches the guest. Then a marker key.
  peer.clear_inputs();
  ASSERT_EQ(xdotool(xvfb.display(), "keydown Scroll_Lock key d keyup Scroll_Lock key b"), 0);
  ASSERT_TRUE(peer.wait_for([](const PeerState& s) { return s.key_bytes.size() >= 2; }, 5000))
      << client.log();
  EXPECT_EQ(key_bytes(peer.snapshot()), (std::vector<std::uint8_t>{0x30, 0xB0}));  // only B

  // The pointer: absolute guest positions through the window -> guest mapping.
  ASSERT_TRUE(peer.wait_for([](const PeerState& s) { return s.tablet_width > 0; }, 5000))
      << "the client never offered an absolute pointer";
  ASSERT_EQ(xdotool(xvfb.display(), "mousemove 150 100"), 0);
  EXPECT_TRUE(peer.wait_for(
      [](const PeerState& s) {
        return !s.pointer.empty() && s.pointer.back().kind == PointerEvent::Kind::Position &&
               s.pointer.back().x == 300 && s.pointer.back().y == 200;
      },
      5000))
      << "last pointer event: "
      << (peer.snapshot().pointer.empty() ? std::string("none")
                                          : std::to_string(peer.snapshot().pointer.back().x) + "," +
                                                std::to_string(peer.snapshot().pointer.back().y))
      << "\n"
      << client.log();
  EXPECT_TRUE(client.alive());
}

}  // namespace
}  // namespace kagami::client
