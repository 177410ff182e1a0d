#pragma once
// `pattern`: a synthetic, deterministic screen (pattern_scene.h) at a fixed frame rate. Needs
// nothing from the system, so it is the backend of the agent's own tests and of latency
// measurements (every frame carries a latency marker).
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "capture/capture.h"
#include "capture/pattern/pattern_scene.h"

namespace kagami::capture {

struct PatternSize {
  std::uint32_t width = 0, height = 0;
};

struct PatternConfig {
  PatternSize size{1280, 720};
  std::uint64_t seed = 1;
  std::chrono::microseconds frame_interval{16667};  // 60 fps
  // Resolution changes for tests: after every `frames_per_size` frames, the next size of
  // `more_sizes` (then `size` again, round robin). 0 = never change.
  std::vector<PatternSize> more_sizes;
  std::uint64_t frames_per_size = 0;
};

class PatternBackend final : public CaptureBackend {
 public:
  explicit PatternBackend(PatternConfig config);

  std::string_view name() const override { return "pattern"; }
  Result<void> start() override;
  CaptureStatus capture(std::chrono::milliseconds timeout, CaptureEvent* event) override;
  CaptureStatus read_pixels(const FrameTarget& target, std::span<const Rect> rects) override;
  // The scene's cursor jumps there and the next capture reports it (then the path resumes).
  void set_cursor_position(std::int32_t x, std::int32_t y) override;
  std::string last_error() const override { return {}; }

  // The scene the last captured frame came from (for tests that recompute it).
  const PatternScene& scene() const { return *scene_; }
  const LatencyMarker& last_frame() const { return frame_; }

 private:
  PatternSize size_for(std::uint64_t frame) const;

  PatternConfig config_;
  std::unique_ptr<PatternScene> scene_;
  LatencyMarker frame_;           // the frame last returned by capture()
  std::uint64_t next_frame_ = 0;  // number of the next frame to make
  std::chrono::steady_clock::time_point next_due_{};
  bool shape_sent_ = false;
  std::optional<PatternScene::Point> requested_cursor_;
  std::mutex cursor_mutex_;  // set_cursor_position comes from the agent's timer thread
};

}  // namespace kagami::capture
