#pragma once
// The test's viewer: a real KvmfrSession on the region, polled from the test thread.
#include <chrono>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "other_process.h"
#include "protocol/kvmfr_session.h"

namespace kagami::testing {

struct ReceivedFrame {
  protocol::ValidatedFrame info;
  std::vector<std::byte> pixels;  // data_height * pitch bytes, copied once wp reached the end
  bool complete = false;          // the write pointer reached data_size
};

class Reader {
 public:
  explicit Reader(std::span<std::byte> region) { session_.emplace(region, clock_, random_); }
  ~Reader() {
    const OtherProcess viewer;  // the session unsubscribes
    session_.reset();
  }
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  protocol::KvmfrSession& session() { return *session_; }
  MonotonicClock& clock() { return clock_; }

  // Polls until a frame arrives (or `limit`); waits for all its bytes, copies them, releases it.
  std::optional<ReceivedFrame> next_frame(std::chrono::milliseconds limit = std::chrono::seconds(5)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (auto frame = poll_frame()) return frame;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return std::nullopt;
  }

  // One look, no waiting for a frame to arrive (a well-behaved viewer's loop step).
  std::optional<ReceivedFrame> poll_frame() {
    const OtherProcess viewer;
    session_->poll();
    if (!session_->connected()) return std::nullopt;
    drain_cursors();
    auto frame = session_->receive_frame();
    if (frame && *frame) {
      ReceivedFrame out;
      out.info = **frame;
      out.complete =
          protocol::wait_frame_bytes(session_->region(), out.info, out.info.data_size, clock_, 2000);
      const std::byte* p = session_->region().data() + out.info.pixels_offset;
      out.pixels.assign(p, p + out.info.data_size);
      session_->frame_done();
      return out;
    }
    if (!frame) last_error_ = frame.error().message;
    return std::nullopt;
  }

  // Polls until a cursor update satisfying `want` arrives (or `limit`).
  std::optional<protocol::CursorUpdate> next_cursor(
      const std::function<bool(const protocol::CursorUpdate&)>& want,
      std::chrono::milliseconds limit = std::chrono::seconds(5)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      {
        const OtherProcess viewer;
        session_->poll();
        if (session_->connected()) drain_cursors();
      }
      while (!cursors_.empty()) {
        protocol::CursorUpdate c = std::move(cursors_.front());
        cursors_.erase(cursors_.begin());
        if (want(c)) return c;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return std::nullopt;
  }

  const std::string& last_error() const { return last_error_; }

 private:
  // Cursor messages are read as they come (an unread queue would get this reader evicted).
  void drain_cursors() {
    for (;;) {
      auto cursor = session_->receive_cursor();
      if (!cursor || !*cursor) return;
      cursors_.push_back(std::move(**cursor));
    }
  }

  MonotonicClock clock_;
  SystemRandom random_;
  std::optional<protocol::KvmfrSession> session_;
  std::string last_error_;
  std::vector<protocol::CursorUpdate> cursors_;
};

}  // namespace kagami::testing
