// kagami-client's input path end to end: real key presses and pointer moves (xdotool) in the real
// client window on Xvfb reach a real SPICE server (the SPICE layer's libspice-server test peer),
// and the client's own escape-key commands do not. Built only with the SPICE layer.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

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

std::string hex(const std::vector<std::uint8_t>& bytes) {
  std::string out;
  char buf[4];
  for (auto b : bytes) {
    std::snprintf(buf, sizeof buf, "%02X ", b);
    out += buf;
  }
  return out;
}

// Looking Glass's escape-key combinations that act on the guest: key combinations the host desktop
// would take for itself, input on/off, and the pointer speed in capture mode.
TEST(ClientSpice, EscapeKeyCombinationsReachTheGuestAndInputCanBeTurnedOff) {
  ASSERT_EQ(std::system("command -v xdotool >/dev/null"), 0) << "xdotool is needed (scripts/deps/client.txt)";
  test::Xvfb xvfb(1024, 768);
  SpicePeer peer;
  test::ShmRegion region(32u << 20);
  test::TestAgent agent(region.bytes());
  agent.start();
  test::ClientProcess client(xvfb.display(), region.path(), 320, 200,
                             {"--spice", "--spice-uri", peer.uri(), "--no-audio", "--no-clipboard"});
  agent.post(test::build_frame(protocol::FrameType::bgra, 320, 200));
  ASSERT_TRUE(client.wait_for_log("input goes to the guest")) << client.log();
  ASSERT_EQ(xdotool(xvfb.display(), "mousemove 100 100"), 0);

  // Escape + F2: Ctrl+Alt+F2 pressed in order and released in reverse.
  peer.clear_inputs();
  ASSERT_EQ(xdotool(xvfb.display(), "keydown Scroll_Lock key F2 keyup Scroll_Lock"), 0);
  ASSERT_TRUE(peer.wait_for([](const PeerState& s) { return s.key_bytes.size() >= 6; }, 5000))
      << client.log();
  EXPECT_EQ(key_bytes(peer.snapshot()), (std::vector<std::uint8_t>{0x1D, 0x38, 0x3C, 0xBC, 0xB8, 0x9D}))
      << hex(key_bytes(peer.snapshot()));

  // Escape + End: Ctrl+Alt+Del (Delete is an extended key: E0 53).
  peer.clear_inputs();
  ASSERT_EQ(xdotool(xvfb.display(), "keydown Scroll_Lock key End keyup Scroll_Lock"), 0);
  ASSERT_TRUE(peer.wait_for([](const PeerState& s) { return s.key_bytes.size() >= 8; }, 5000))
      << client.log();
  EXPECT_EQ(key_bytes(peer.snapshot()),
            (std::vector<std::uint8_t>{0x1D, 0x38, 0xE0, 0x53, 0xE0, 0xD3, 0xB8, 0x9D}))
      << hex(key_bytes(peer.snapshot()));

  // Escape + Left Windows key: the Windows key alone, for the guest (E0 5B, E0 DB).
  peer.clear_inputs();
  ASSERT_EQ(xdotool(xvfb.display(), "keydown Scroll_Lock key Super_L keyup Scroll_Lock"), 0);
  ASSERT_TRUE(peer.wait_for([](const PeerState& s) { return s.key_bytes.size() >= 4; }, 5000))
      << client.log();
  EXPECT_EQ(key_bytes(peer.snapshot()), (std::vector<std::uint8_t>{0xE0, 0x5B, 0xE0, 0xDB}))
      << hex(key_bytes(peer.snapshot()));

  // Volume, mute and microphone go to the SPICE session (its audio is tested in tests/spice).
  ASSERT_EQ(xdotool(xvfb.display(), "keydown Scroll_Lock key Down key Down key m key e keyup Scroll_Lock"),
            0);
  EXPECT_TRUE(client.wait_for_log("volume 90%")) << client.log();
  EXPECT_TRUE(client.wait_for_log("mute on")) << client.log();
  EXPECT_TRUE(client.wait_for_log("microphone on")) << client.log();

  // Escape + I: input off, a key stays on the host; Escape + I again: the next key arrives alone.
  peer.clear_inputs();
  ASSERT_EQ(xdotool(xvfb.display(), "keydown Scroll_Lock key i keyup Scroll_Lock key a"), 0);
  ASSERT_TRUE(client.wait_for_log("keyboard and mouse to the guest: off")) << client.log();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_TRUE(peer.snapshot().key_bytes.empty()) << hex(key_bytes(peer.snapshot()));
  ASSERT_EQ(xdotool(xvfb.display(), "keydown Scroll_Lock key i keyup Scroll_Lock key b"), 0);
  ASSERT_TRUE(peer.wait_for([](const PeerState& s) { return s.key_bytes.size() >= 2; }, 5000))
      << client.log();
  EXPECT_EQ(key_bytes(peer.snapshot()), (std::vector<std::uint8_t>{0x30, 0xB0}));

  // Escape + Delete five times: sensitivity -5, so captured relative motion arrives at half.
  for (int i = 0; i < 5; ++i)
    ASSERT_EQ(xdotool(xvfb.display(), "keydown Scroll_Lock key Delete keyup Scroll_Lock"), 0);
  ASSERT_TRUE(client.wait_for_log("mouse sensitivity -5")) << client.log();
  ASSERT_EQ(xdotool(xvfb.display(), "key Scroll_Lock"), 0);  // a tap: capture
  ASSERT_TRUE(client.wait_for_log("captured mouse and keyboard")) << client.log();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  peer.clear_inputs();
  for (int i = 0; i < 10; ++i) ASSERT_EQ(xdotool(xvfb.display(), "mousemove_relative -- 8 0"), 0);
  const auto motion_x = [](const PeerState& s) {
    int x = 0;
    for (const auto& p : s.pointer) x += p.kind == PointerEvent::Kind::Motion ? p.x : 0;
    return x;
  };
  peer.wait_for([&](const PeerState& s) { return motion_x(s) >= 40; }, 3000);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(motion_x(peer.snapshot()), 40) << "80 pixels of motion at sensitivity -5\n" << client.log();
  EXPECT_TRUE(client.alive());
}

TEST(ClientSpice, CaptureOnStartCapturesOnceInputReachesTheGuest) {
  test::Xvfb xvfb(1024, 768);
  SpicePeer peer;
  test::ShmRegion region(32u << 20);
  test::ClientProcess client(
      xvfb.display(), region.path(), 320, 200,
      {"--spice", "--spice-uri", peer.uri(), "--no-audio", "--no-clipboard", "--capture-on-start"});
  ASSERT_TRUE(client.wait_for_log("input goes to the guest")) << client.log();
  EXPECT_TRUE(client.wait_for_log("captured mouse and keyboard", 3000)) << client.log();
}

}  // namespace
}  // namespace kagami::client
