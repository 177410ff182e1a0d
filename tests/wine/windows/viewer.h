#pragma once
// The reading side of the Wine dxgi test: the protocol layer's own viewer (KvmfrSession) on the
// region the agent publishes into, with helpers that wait for a frame equal to an expected
// image and for cursor updates. Runs on the test's main thread.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/clock.h"
#include "protocol/kvmfr_session.h"

namespace kagami::wine_test {

// A failed expectation: the test prints it and exits 1.
struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};
inline void check(bool ok, const std::string& what) {
  if (!ok) throw Failure(what);
}

struct ReceivedFrame {
  protocol::ValidatedFrame info;
  std::vector<std::uint8_t> pixels;               // tight rows (width * bpp)
  std::vector<protocol::FrameDamageRect> damage;  // of every frame since the last match
  bool whole = false;                             // one of them had whole-frame damage
  std::uint32_t frames = 0;                       // frames received until the match
};

class Viewer {
 public:
  explicit Viewer(std::span<std::byte> region);

  // Waits until the session is connected.
  void connect(std::chrono::milliseconds timeout);
  // Waits for a frame whose rows (width * bpp bytes each) equal `expected`. Cursor updates that
  // arrive meanwhile are kept for next_cursor().
  ReceivedFrame frame_equal_to(const std::vector<std::uint8_t>& expected, std::uint32_t width,
                               std::uint32_t bpp, std::chrono::milliseconds timeout);
  // Waits for a cursor update that satisfies `match`; earlier ones are dropped.
  protocol::CursorUpdate cursor_where(const std::function<bool(const protocol::CursorUpdate&)>& match,
                                      std::chrono::milliseconds timeout);
  // Frames received (and released) during `time`, without comparing them.
  std::uint32_t frames_during(std::chrono::milliseconds time);
  protocol::KvmfrSession& session() { return session_; }

 private:
  // One poll round: takes a waiting frame (copied out) and the cursor updates.
  std::optional<ReceivedFrame> poll_frame();

  std::span<std::byte> region_;
  MonotonicClock clock_;
  SystemRandom random_;
  protocol::KvmfrSession session_;
  std::vector<protocol::CursorUpdate> cursors_;
};

}  // namespace kagami::wine_test
