// MultiOutputRunner without an X server: two pattern outputs, one whose capture fails for good
// after a few frames. The failing one is started again and
// again; the healthy one keeps its session and its frames the whole time.
#include "agent/multi_output.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "agent/guest_info.h"
#include "capture/pattern/pattern_backend.h"
#include "reader.h"
#include "test_region.h"

namespace kagami::agent {
namespace {

using namespace std::chrono_literals;

// The pattern scene for `frames` frames, then CaptureStatus::error (a device that went away).
class DyingBackend final : public capture::CaptureBackend {
 public:
  DyingBackend(capture::PatternConfig config, int frames) : pattern_(config), frames_left_(frames) {}
  std::string_view name() const override { return "dying"; }
  Result<void> start() override { return pattern_.start(); }
  capture::CaptureStatus capture(std::chrono::milliseconds timeout, capture::CaptureEvent* event) override {
    if (frames_left_ <= 0) return capture::CaptureStatus::error;
    const auto status = pattern_.capture(timeout, event);
    if (status == capture::CaptureStatus::ok && event->frame) --frames_left_;
    return status;
  }
  capture::CaptureStatus read_pixels(const capture::FrameTarget& target,
                                     std::span<const capture::Rect> rects) override {
    return pattern_.read_pixels(target, rects);
  }
  std::string last_error() const override { return "the test screen went away"; }

 private:
  capture::PatternBackend pattern_;
  int frames_left_;
};

capture::PatternConfig small() {
  capture::PatternConfig c;
  c.size = {320, 200};
  c.frame_interval = 5ms;
  return c;
}

OutputSlot pattern_slot(const char* label, testing::TestRegion& region, int frames_before_dying) {
  OutputSlot s;
  s.label = label;
  s.region = AgentRegion{region.bytes(), region.fd()};
  s.open_capture = [frames_before_dying]() -> Result<std::unique_ptr<capture::CaptureBackend>> {
    std::unique_ptr<capture::CaptureBackend> b;
    if (frames_before_dying > 0) {
      b = std::make_unique<DyingBackend>(small(), frames_before_dying);
    } else {
      b = std::make_unique<capture::PatternBackend>(small());
    }
    if (auto r = b->start(); !r) return Error{r.error().message};
    return b;
  };
  s.guest_info = [](std::string_view name) { return collect_guest_info(name); };
  return s;
}

TEST(MultiOutput, AFailingOutputIsRestartedAndNeverDisturbsTheOther) {
  testing::TestRegion healthy(8 << 20), dying(8 << 20);
  std::vector<OutputSlot> slots;
  slots.push_back(pattern_slot("healthy", healthy, 0));
  slots.push_back(pattern_slot("dying", dying, 3));
  MultiOutputRunner runner(std::move(slots), AgentConfig{}, 20ms);
  std::atomic<bool> stop{false};
  std::thread thread([&] { runner.run(stop); });

  testing::Reader reader(healthy.bytes());
  testing::Reader other(dying.bytes());
  std::uint64_t frames = 0;
  const auto until = std::chrono::steady_clock::now() + 1500ms;
  while (std::chrono::steady_clock::now() < until) {
    auto frame = reader.next_frame(500ms);
    if (!frame) {  // not ASSERT: the runner's thread must be joined below
      ADD_FAILURE() << "the healthy output stopped: " << reader.session().status().message;
      break;
    }
    ++frames;
    other.next_frame(1ms);  // a viewer on the failing output too, so it publishes
  }
  EXPECT_GT(frames, 20u);
  EXPECT_EQ(reader.session().counters().sessions, 1u) << "the healthy output's session was disturbed";
  EXPECT_EQ(runner.runs(0), 1u);
  EXPECT_GE(runner.runs(1), 3u) << "the failing output was not started again";

  // Stopping and starting an output from another thread while everything runs.
  runner.stop_output(0);
  runner.start_output(0);
  stop = true;
  thread.join();
}

}  // namespace
}  // namespace kagami::agent
