// The agent under faults (issue 11): a capture backend that fails for good must end the run, the
// heartbeat with it, and say why.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>

#include "capture/pattern/pattern_backend.h"
#include "reader.h"
#include "running_agent.h"
#include "test_region.h"

namespace kagami::agent {
namespace {

using namespace std::chrono_literals;

// The pattern scene for `frames` captures, then CaptureStatus::error for good (a device that
// went away, a DRM framebuffer that cannot be mapped).
class FailingBackend final : public capture::CaptureBackend {
 public:
  FailingBackend(capture::PatternConfig config, int frames) : pattern_(config), frames_left_(frames) {}
  std::string_view name() const override { return "failing"; }
  Result<void> start() override { return pattern_.start(); }
  capture::CaptureStatus capture(std::chrono::milliseconds timeout, capture::CaptureEvent* event) override {
    if (frames_left_ <= 0) {
      failed_at_ = std::chrono::steady_clock::now();
      return capture::CaptureStatus::error;
    }
    const auto status = pattern_.capture(timeout, event);
    if (status == capture::CaptureStatus::ok && event->frame) --frames_left_;
    return status;
  }
  capture::CaptureStatus read_pixels(const capture::FrameTarget& target,
                                     std::span<const capture::Rect> rects) override {
    return pattern_.read_pixels(target, rects);
  }
  void set_cursor_position(std::int32_t x, std::int32_t y) override { pattern_.set_cursor_position(x, y); }
  std::string last_error() const override { return "the test screen went away"; }
  std::chrono::steady_clock::time_point failed_at() const { return failed_at_; }

 private:
  capture::PatternBackend pattern_;
  std::atomic<int> frames_left_;
  std::chrono::steady_clock::time_point failed_at_{};
};

TEST(AgentFault, AFatalCaptureErrorEndsTheRunAndTheHeartbeat) {
  testing::TestRegion region(32 << 20);
  ASSERT_TRUE(region.ok());
  capture::PatternConfig config;
  config.size = {320, 240};
  config.frame_interval = 5ms;
  FailingBackend backend(config, 5);
  ASSERT_TRUE(backend.start());
  testing::RunningAgent running(region.bytes(), backend);
  testing::Reader reader(region.bytes());
  ASSERT_TRUE(reader.next_frame()) << reader.session().status().message;

  // run() must return by itself (before: it waited forever for the timer thread, which only an
  // outside stop ended, while the heartbeat told viewers all was well).
  const bool finished = running.finished_within(3s);
  running.stop();  // releases a run that hung, so the test ends either way
  ASSERT_TRUE(finished) << "Agent::run did not return after the backend failed for good";
  std::printf(
      "run returned at most %.1f ms after the backend failed\n",
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - backend.failed_at())
          .count());
  ASSERT_FALSE(running.result());
  EXPECT_NE(running.result().error().message.find("capture (failing) failed: the test screen went away"),
            std::string::npos)
      << running.result().error().message;

  // And the viewer is told: the heartbeat stopped with the run.
  const auto deadline = std::chrono::steady_clock::now() + 3s;
  while (reader.session().status().state != protocol::SessionState::agent_stopped &&
         std::chrono::steady_clock::now() < deadline) {
    reader.next_frame(20ms);
  }
  EXPECT_EQ(reader.session().status().state, protocol::SessionState::agent_stopped)
      << reader.session().status().message;
}

}  // namespace
}  // namespace kagami::agent
