// Clipboard both ways between a real spice-client-glib session and the fixture's vdagent device
// speaking the agent protocol of spice/vd_agent.h through libspice-server.
#include <gtest/gtest.h>
#include <spice/vd_agent.h>

#include <mutex>
#include <random>

#include "session_helpers.h"

namespace kagami::spice {
namespace {

using fixture::PeerState;
using fixture::SpicePeer;

std::vector<uint8_t> bytes_of(std::string_view text) { return {text.begin(), text.end()}; }

// 256 KiB of arbitrary bytes: the agent protocol carries it in ~256 chunks each way.
std::vector<uint8_t> image_bytes(size_t size = 256 * 1024) {
  std::mt19937 random(1234);
  std::vector<uint8_t> bytes(size);
  for (auto& b : bytes) b = static_cast<uint8_t>(random());
  const uint8_t png_signature[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  std::copy(std::begin(png_signature), std::end(png_signature), bytes.begin());
  return bytes;
}

class SpiceClipboard : public ::testing::Test {
 protected:
  void start(SessionOptions options) {
    session_ = start_session(std::move(options));
    ASSERT_TRUE(session_);
    session_->on_guest_clipboard([this](ClipboardData data) {
      std::lock_guard lock(mutex_);
      received_.push_back(std::move(data));
    });
    ASSERT_TRUE(wait_status(*session_, [](const SessionStatus& s) { return s.agent_connected; }))
        << "the agent never connected: " << session_->status().last_error;
    ASSERT_TRUE(peer_.wait_for([](const PeerState& s) { return s.agent_caps; }, 5000))
        << "the client never announced its agent capabilities";
  }
  void SetUp() override {}

  bool wait_received(size_t count, int timeout_ms = 5000) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < end) {
      {
        std::lock_guard lock(mutex_);
        if (received_.size() >= count) return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return false;
  }
  std::vector<ClipboardData> received() {
    std::lock_guard lock(mutex_);
    return received_;
  }

  // The client grabbed for the guest with `type`; ask for it as the guest would and return it.
  std::optional<std::vector<uint8_t>> guest_pastes(uint32_t type, int grabs_before) {
    if (!peer_.wait_for([&](const PeerState& s) { return s.client_grabs > grabs_before; }, 5000)) return {};
    EXPECT_EQ(peer_.snapshot().client_grab_types, std::vector<uint32_t>{type});
    const int before = peer_.snapshot().client_data_count;
    peer_.request_from_client(type);
    if (!peer_.wait_for([&](const PeerState& s) { return s.client_data_count > before; }, 5000)) return {};
    const PeerState s = peer_.snapshot();
    EXPECT_EQ(s.client_data_type, type);
    return s.client_data;
  }

  SpicePeer peer_;
  std::unique_ptr<Session> session_;
  std::mutex mutex_;
  std::vector<ClipboardData> received_;
};

TEST_F(SpiceClipboard, GuestTextReachesTheHost) {
  start(options_for(peer_));
  const auto text = bytes_of("kagami 鏡: line one\nline two\ttab — end");
  peer_.guest_copy(VD_AGENT_CLIPBOARD_UTF8_TEXT, text);
  ASSERT_TRUE(wait_received(1));
  EXPECT_EQ(received()[0], (ClipboardData{ClipboardType::Text, text}));
  EXPECT_EQ(session_->status().clipboard_from_guest, 1u);
}

TEST_F(SpiceClipboard, GuestImageReachesTheHostIntact) {
  start(options_for(peer_));
  const auto image = image_bytes();
  peer_.guest_copy(VD_AGENT_CLIPBOARD_IMAGE_PNG, image);
  ASSERT_TRUE(wait_received(1, 10000));
  EXPECT_EQ(received()[0].type, ClipboardType::Png);
  EXPECT_TRUE(received()[0].bytes == image)
      << "size " << received()[0].bytes.size() << " vs " << image.size();
}

TEST_F(SpiceClipboard, HostTextReachesTheGuest) {
  start(options_for(peer_));
  const auto text = bytes_of("from the host ✓\nsecond line");
  session_->set_host_clipboard({ClipboardType::Text, text});
  auto pasted = guest_pastes(VD_AGENT_CLIPBOARD_UTF8_TEXT, 0);
  ASSERT_TRUE(pasted.has_value());
  EXPECT_EQ(*pasted, text);
  EXPECT_EQ(session_->status().clipboard_to_guest, 1u);
}

TEST_F(SpiceClipboard, HostImageReachesTheGuestIntact) {
  start(options_for(peer_));
  const auto image = image_bytes(300 * 1024 + 7);
  session_->set_host_clipboard({ClipboardType::Png, image});
  auto pasted = guest_pastes(VD_AGENT_CLIPBOARD_IMAGE_PNG, 0);
  ASSERT_TRUE(pasted.has_value());
  EXPECT_TRUE(*pasted == image) << "size " << pasted->size() << " vs " << image.size();
}

TEST_F(SpiceClipboard, GuestContentIsNotEchoedBack) {
  start(options_for(peer_));
  const auto text = bytes_of("copied in the guest");
  peer_.guest_copy(VD_AGENT_CLIPBOARD_UTF8_TEXT, text);
  ASSERT_TRUE(wait_received(1));
  // The app puts it on the host clipboard, sees its own clipboard-changed event and hands it back.
  session_->set_host_clipboard({ClipboardType::Text, text});
  EXPECT_FALSE(peer_.wait_for([](const PeerState& s) { return s.client_grabs > 0; }, 300))
      << "the guest's own content was grabbed back: a clipboard loop";
  // New host content is still offered.
  session_->set_host_clipboard({ClipboardType::Text, bytes_of("new on the host")});
  auto pasted = guest_pastes(VD_AGENT_CLIPBOARD_UTF8_TEXT, 0);
  ASSERT_TRUE(pasted.has_value());
  EXPECT_EQ(*pasted, bytes_of("new on the host"));
}

TEST_F(SpiceClipboard, SizeLimitRejectsBothWays) {
  SessionOptions options = options_for(peer_);
  options.clipboard.max_bytes = 4096;
  start(options);
  peer_.guest_copy(VD_AGENT_CLIPBOARD_IMAGE_PNG, image_bytes(8192));
  ASSERT_TRUE(wait_status(*session_, [](const SessionStatus& s) { return s.clipboard_rejected == 1; }));
  session_->set_host_clipboard({ClipboardType::Png, image_bytes(8192)});
  ASSERT_TRUE(wait_status(*session_, [](const SessionStatus& s) { return s.clipboard_rejected == 2; }));
  EXPECT_TRUE(received().empty());
  EXPECT_EQ(peer_.snapshot().client_grabs, 0);
  // Content within the limit still passes.
  peer_.guest_copy(VD_AGENT_CLIPBOARD_UTF8_TEXT, bytes_of("small"));
  ASSERT_TRUE(wait_received(1));
}

TEST_F(SpiceClipboard, OneWayOnlyPassesThatWay) {
  SessionOptions options = options_for(peer_);
  options.clipboard.to_host = false;  // host -> guest only
  start(options);
  peer_.guest_copy(VD_AGENT_CLIPBOARD_UTF8_TEXT, bytes_of("stays in the guest"));
  EXPECT_FALSE(wait_received(1, 500)) << "the guest's copy reached the host";
  EXPECT_EQ(session_->status().clipboard_from_guest, 0u);
  session_->set_host_clipboard({ClipboardType::Text, bytes_of("to the guest")});
  auto pasted = guest_pastes(VD_AGENT_CLIPBOARD_UTF8_TEXT, 0);
  ASSERT_TRUE(pasted.has_value());
  EXPECT_EQ(*pasted, bytes_of("to the guest"));
}

TEST_F(SpiceClipboard, OtherWayOnlyPassesThatWay) {
  SessionOptions options = options_for(peer_);
  options.clipboard.to_guest = false;  // guest -> host only
  start(options);
  session_->set_host_clipboard({ClipboardType::Text, bytes_of("stays on the host")});
  EXPECT_FALSE(peer_.wait_for([](const PeerState& s) { return s.client_grabs > 0; }, 500))
      << "the host's copy was offered to the guest";
  peer_.guest_copy(VD_AGENT_CLIPBOARD_UTF8_TEXT, bytes_of("to the host"));
  ASSERT_TRUE(wait_received(1));
  EXPECT_EQ(received()[0].bytes, bytes_of("to the host"));
}

TEST_F(SpiceClipboard, DisabledClipboardPassesNothing) {
  SessionOptions options = options_for(peer_);
  options.clipboard.enabled = false;
  session_ = start_session(options);
  ASSERT_TRUE(session_);
  session_->on_guest_clipboard([this](ClipboardData data) {
    std::lock_guard lock(mutex_);
    received_.push_back(std::move(data));
  });
  ASSERT_TRUE(wait_status(*session_, [](const SessionStatus& s) { return s.agent_connected; }));
  peer_.guest_copy(VD_AGENT_CLIPBOARD_UTF8_TEXT, bytes_of("secret"));
  session_->set_host_clipboard({ClipboardType::Text, bytes_of("host secret")});
  EXPECT_FALSE(wait_received(1, 500));
  EXPECT_EQ(peer_.snapshot().client_grabs, 0);
}

}  // namespace
}  // namespace kagami::spice
