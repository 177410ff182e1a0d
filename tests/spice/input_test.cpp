// Keyboard and mouse through a real spice-client-glib session to a real libspice-server peer:
// the peer's keyboard interface sees the exact set-1 bytes, its tablet/mouse the exact events.
#include <SDL2/SDL_scancode.h>
#include <gtest/gtest.h>
#include <spice/enums.h>

#include <map>

#include "session_helpers.h"
#include "spice/keymap.h"

namespace kagami::spice {
namespace {

using fixture::PeerState;
using fixture::PointerEvent;
using fixture::SpicePeer;
using Bytes = std::vector<uint8_t>;

Bytes key_bytes(const PeerState& state) {
  Bytes bytes;
  for (const auto& k : state.key_bytes) bytes.push_back(k.byte);
  return bytes;
}

// Set-1 byte stream → held-key bookkeeping: returns the keys still down at the end.
std::set<uint32_t> keys_down_after(const Bytes& bytes) {
  std::set<uint32_t> down;
  for (size_t i = 0; i < bytes.size(); ++i) {
    uint32_t prefix = 0;
    if (bytes[i] == 0xE0 && i + 1 < bytes.size()) prefix = 0xE000, ++i;
    const uint32_t key = prefix | (bytes[i] & 0x7F);
    if (bytes[i] & 0x80) {
      down.erase(key);
    } else {
      down.insert(key);
    }
  }
  return down;
}

class SpiceInput : public ::testing::Test {
 protected:
  void SetUp() override {
    session_ = start_session(options_for(peer_));
    ASSERT_TRUE(session_);
    ASSERT_TRUE(wait_status(*session_, [](const SessionStatus& s) { return s.inputs_ready; }))
        << "inputs channel never opened; state " << to_string(session_->status().state) << ": "
        << session_->status().last_error;
  }

  SpicePeer peer_;
  std::unique_ptr<Session> session_;
};

TEST_F(SpiceInput, KnownKeysArriveAsTheirSet1Bytes) {
  const std::vector<std::pair<int, Bytes>> script = {
      {SDL_SCANCODE_A, {0x1E, 0x9E}},
      {SDL_SCANCODE_ESCAPE, {0x01, 0x81}},
      {SDL_SCANCODE_RCTRL, {0xE0, 0x1D, 0xE0, 0x9D}},
      {SDL_SCANCODE_RALT, {0xE0, 0x38, 0xE0, 0xB8}},
      {SDL_SCANCODE_LGUI, {0xE0, 0x5B, 0xE0, 0xDB}},
      {SDL_SCANCODE_RGUI, {0xE0, 0x5C, 0xE0, 0xDC}},
      {SDL_SCANCODE_PRINTSCREEN, {0xE0, 0x37, 0xE0, 0xB7}},
      {SDL_SCANCODE_PAUSE, {0xE0, 0x46, 0xE0, 0xC6}},  // QEMU's Pause number; see keymap.cpp
      {SDL_SCANCODE_KP_ENTER, {0xE0, 0x1C, 0xE0, 0x9C}},
      {SDL_SCANCODE_KP_5, {0x4C, 0xCC}},
      {SDL_SCANCODE_UP, {0xE0, 0x48, 0xE0, 0xC8}},
      {SDL_SCANCODE_NONUSBACKSLASH, {0x56, 0xD6}},
      {SDL_SCANCODE_F12, {0x58, 0xD8}},
      {SDL_SCANCODE_AUDIOMUTE, {0xE0, 0x20, 0xE0, 0xA0}},
      {SDL_SCANCODE_VOLUMEUP, {0xE0, 0x30, 0xE0, 0xB0}},
      {SDL_SCANCODE_AUDIOPLAY, {0xE0, 0x22, 0xE0, 0xA2}},
  };
  Bytes expected;
  for (const auto& [sdl, bytes] : script) {
    session_->key_down(sdl);
    session_->key_up(sdl);
    expected.insert(expected.end(), bytes.begin(), bytes.end());
  }
  ASSERT_TRUE(peer_.wait_for([&](const PeerState& s) { return s.key_bytes.size() >= expected.size(); }, 5000))
      << "got " << peer_.snapshot().key_bytes.size() << " of " << expected.size() << " bytes";
  EXPECT_EQ(key_bytes(peer_.snapshot()), expected);
}

TEST_F(SpiceInput, EveryMappedKeyPressesAndReleases) {
  Bytes expected;
  int keys = 0;
  for (int sdl = 0; sdl < SDL_NUM_SCANCODES; ++sdl) {
    auto code = set1_from_sdl(sdl);
    if (!code) continue;
    session_->key_down(sdl);
    session_->key_up(sdl);
    auto make = set1_make_bytes(*code);
    auto brk = set1_break_bytes(*code);
    expected.insert(expected.end(), make.begin(), make.end());
    expected.insert(expected.end(), brk.begin(), brk.end());
    ++keys;
  }
  EXPECT_GT(keys, 120);
  ASSERT_TRUE(
      peer_.wait_for([&](const PeerState& s) { return s.key_bytes.size() >= expected.size(); }, 5000));
  const Bytes got = key_bytes(peer_.snapshot());
  EXPECT_EQ(got, expected);
  EXPECT_TRUE(keys_down_after(got).empty());
}

TEST_F(SpiceInput, ReleaseAllLeavesNoKeyOrButtonDown) {
  for (int sdl : {SDL_SCANCODE_LSHIFT, SDL_SCANCODE_RCTRL, SDL_SCANCODE_A, SDL_SCANCODE_RALT,
                  SDL_SCANCODE_LGUI, SDL_SCANCODE_KP_ENTER}) {
    session_->key_down(sdl);
  }
  session_->key_down(SDL_SCANCODE_A);  // auto-repeat: a second make, still one key
  ASSERT_TRUE(peer_.wait_for([](const PeerState& s) { return s.key_bytes.size() >= 11; }, 5000));
  EXPECT_EQ(keys_down_after(key_bytes(peer_.snapshot())).size(), 6u);

  session_->release_all();  // what the client does on focus loss
  ASSERT_TRUE(peer_.wait_for([](const PeerState& s) { return s.key_bytes.size() >= 11 + 10; }, 5000));
  EXPECT_TRUE(keys_down_after(key_bytes(peer_.snapshot())).empty());

  // A key_up after release_all sends nothing more: the key is no longer held.
  session_->key_up(SDL_SCANCODE_A);
  session_->key_down(SDL_SCANCODE_B);  // marker
  ASSERT_TRUE(peer_.wait_for([](const PeerState& s) { return s.key_bytes.size() >= 22; }, 5000));
  const Bytes got = key_bytes(peer_.snapshot());
  EXPECT_EQ(got.size(), 22u);
  EXPECT_EQ(got.back(), 0x30);  // B's make, right after the releases
}

TEST_F(SpiceInput, AbsolutePositionsButtonsAndWheel) {
  ASSERT_TRUE(wait_status(*session_, [](const SessionStatus& s) {
    return s.mouse_mode == MouseMode::Client;
  })) << "the server never allowed client mouse mode";
  peer_.clear_inputs();
  const std::vector<std::pair<int, int>> points = {{0, 0}, {1023, 767}, {512, 384}, {17, 700}};
  for (auto [x, y] : points) {
    session_->mouse_position(x, y);
    // Positions are coalesced by spice-client-glib until acknowledged; wait for each one.
    ASSERT_TRUE(peer_.wait_for(
        [&](const PeerState& s) {
          return !s.pointer.empty() && s.pointer.back().kind == PointerEvent::Kind::Position &&
                 s.pointer.back().x == x && s.pointer.back().y == y;
        },
        3000))
        << "position " << x << "," << y << " did not arrive";
  }
  peer_.clear_inputs();
  const std::vector<std::pair<int, bool>> clicks = {{1, true}, {3, true},  {3, false}, {1, false},
                                                    {2, true}, {2, false}, {4, true},  {4, false},
                                                    {5, true}, {5, false}};
  for (auto [button, pressed] : clicks) session_->mouse_button(button, pressed);
  session_->mouse_wheel(0, 1);
  session_->mouse_wheel(0, -2);
  const size_t expected_events = clicks.size() + 2 * 3;  // each wheel notch is a press and a release
  ASSERT_TRUE(peer_.wait_for([&](const PeerState& s) { return s.pointer.size() >= expected_events; }, 3000))
      << peer_.snapshot().pointer.size();
  // In client mode libspice-server hands a press to the tablet's wheel() (with dz 0 unless it is
  // the wheel) and a release to buttons(); both carry the button state in QEMU's own bit order:
  // 1 left, 2 right, 4 middle, 0x40 side (back), 0x80 extra (forward) — QEMU's bmap in spice-input.
  std::vector<uint32_t> states;
  std::vector<int> wheel;
  for (const auto& e : peer_.snapshot().pointer) {
    ASSERT_NE(e.kind, PointerEvent::Kind::Position);
    if (states.empty() || states.back() != e.buttons) states.push_back(e.buttons);
    if (e.kind == PointerEvent::Kind::Wheel && e.wheel != 0) wheel.push_back(e.wheel);
  }
  EXPECT_EQ(states, (std::vector<uint32_t>{1, 3, 1, 0, 4, 0, 0x40, 0, 0x80, 0}));
  EXPECT_EQ(wheel, (std::vector<int>{-1, 1, 1}));  // negative = up, as QEMU's input layer expects
}

TEST_F(SpiceInput, RelativeMotionInServerMouseMode) {
  session_->request_mouse_mode(MouseMode::Server);
  ASSERT_TRUE(
      wait_status(*session_, [](const SessionStatus& s) { return s.mouse_mode == MouseMode::Server; }));
  peer_.clear_inputs();
  session_->mouse_motion(5, -3);
  ASSERT_TRUE(peer_.wait_for(
      [](const PeerState& s) {
        int dx = 0, dy = 0;
        for (const auto& e : s.pointer) {
          if (e.kind == PointerEvent::Kind::Motion) dx += e.x, dy += e.y;
        }
        return dx == 5 && dy == -3;
      },
      3000))
      << "motion did not add up to (5,-3)";
  session_->mouse_motion(-40, 25);
  EXPECT_TRUE(peer_.wait_for(
      [](const PeerState& s) {
        int dx = 0, dy = 0;
        for (const auto& e : s.pointer) {
          if (e.kind == PointerEvent::Kind::Motion) dx += e.x, dy += e.y;
        }
        return dx == -35 && dy == 22;
      },
      3000));
}

}  // namespace
}  // namespace kagami::spice
