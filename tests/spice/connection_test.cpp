// Connecting: password, unix socket, reconnect after the server goes away and comes back (QEMU
// restarting), and status for the overlay.
#include <SDL2/SDL_scancode.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "session_helpers.h"

namespace kagami::spice {
namespace {

using fixture::PeerOptions;
using fixture::PeerState;
using fixture::SpicePeer;

bool key_arrives(Session& session, SpicePeer& peer) {
  peer.clear_inputs();
  session.key_down(SDL_SCANCODE_K);
  session.key_up(SDL_SCANCODE_K);
  return peer.wait_for(
      [](const PeerState& s) {
        return s.key_bytes.size() == 2 && s.key_bytes[0].byte == 0x25 && s.key_bytes[1].byte == 0xA5;
      },
      5000);
}

PeerOptions peer_options(std::string password, uint16_t port = 0, std::string unix_path = "") {
  PeerOptions options;
  options.password = std::move(password);
  options.port = port;
  options.unix_path = std::move(unix_path);
  return options;
}

bool connected_with_inputs(const SessionStatus& s) {
  return s.state == ConnectionState::Connected && s.inputs_ready;
}

TEST(SpiceConnection, PasswordAccepted) {
  SpicePeer peer(peer_options("s3cret"));
  SessionOptions options = options_for(peer);
  options.password = "s3cret";
  auto session = start_session(options);
  ASSERT_TRUE(session);
  ASSERT_TRUE(wait_status(*session, connected_with_inputs)) << session->status().last_error;
  EXPECT_TRUE(key_arrives(*session, peer));
}

TEST(SpiceConnection, WrongPasswordFailsWithAClearErrorAndNoRetries) {
  SpicePeer peer(peer_options("s3cret"));
  SessionOptions options = options_for(peer);
  options.password = "wrong";
  options.reconnect_ms = 100;
  auto session = start_session(options);
  ASSERT_TRUE(session);
  ASSERT_TRUE(wait_status(*session, [](const SessionStatus& s) {
    return s.state == ConnectionState::Failed;
  })) << to_string(session->status().state);
  EXPECT_NE(session->status().last_error.find("password"), std::string::npos) << session->status().last_error;
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  EXPECT_EQ(session->status().reconnects, 0u);  // a wrong password does not fix itself
}

TEST(SpiceConnection, UnixSocket) {
  const std::string path = "/tmp/kagami-spice-test-" + std::to_string(getpid()) + ".sock";
  {
    SpicePeer peer(peer_options("", 0, path));
    auto session = start_session(options_for(peer));
    ASSERT_TRUE(session);
    ASSERT_TRUE(wait_status(*session, connected_with_inputs)) << session->status().last_error;
    EXPECT_TRUE(key_arrives(*session, peer));
  }
  std::filesystem::remove(path);
}

TEST(SpiceConnection, ReconnectsWhenTheServerComesBack) {
  const uint16_t port = fixture::free_tcp_port();
  auto peer = std::make_unique<SpicePeer>(peer_options("", port));
  SessionOptions options = options_for(*peer);
  options.reconnect_ms = 200;
  auto session = start_session(options);
  ASSERT_TRUE(session);
  ASSERT_TRUE(wait_status(*session, connected_with_inputs));
  session->key_down(SDL_SCANCODE_LSHIFT);  // held while the VM goes away
  ASSERT_TRUE(peer->wait_for([](const PeerState& s) { return !s.key_bytes.empty(); }, 5000));

  peer.reset();  // QEMU stops
  ASSERT_TRUE(
      wait_status(*session, [](const SessionStatus& s) { return s.state == ConnectionState::Reconnecting; }));
  EXPECT_FALSE(session->status().inputs_ready);
  EXPECT_FALSE(session->status().last_error.empty());

  peer = std::make_unique<SpicePeer>(peer_options("", port));  // and starts again
  ASSERT_TRUE(wait_status(*session, connected_with_inputs, 15000)) << session->status().last_error;
  EXPECT_GE(session->status().reconnects, 1u);
  EXPECT_TRUE(key_arrives(*session, *peer));
  // The shift held before the restart is not held any more: releasing it sends nothing.
  session->key_up(SDL_SCANCODE_LSHIFT);
  session->key_down(SDL_SCANCODE_B);
  ASSERT_TRUE(peer->wait_for([](const PeerState& s) { return s.key_bytes.size() >= 3; }, 5000));
  EXPECT_EQ(peer->snapshot().key_bytes[2].byte, 0x30);
}

TEST(SpiceConnection, BadAddressIsRejectedUpFront) {
  SessionOptions options;
  options.uri = "spice://host:notaport";
  auto session = Session::start(options);
  ASSERT_FALSE(session.ok());
  EXPECT_NE(session.error().message.find("port"), std::string::npos);
}

}  // namespace
}  // namespace kagami::spice
