#pragma once
// Rolling statistics for the overlay: frames per second, the interval between frames and the
// client's own latency (frame message received -> presented). Pure; times in nanoseconds.
#include <array>
#include <cstddef>
#include <cstdint>

namespace kagami::client {

class FrameStats {
 public:
  static constexpr std::size_t kHistory = 240;  // samples kept for the graphs

  // A frame message was taken at `received_ns` and its image presented at `presented_ns`.
  void on_frame(std::uint64_t received_ns, std::uint64_t presented_ns);
  // Frames per second over the last full second, or 0 before a second has passed.
  double fps(std::uint64_t now_ns);

  // Oldest first, in milliseconds, `count()` values each.
  const float* intervals_ms() const { return intervals_.data(); }
  const float* latencies_ms() const { return latencies_.data(); }
  std::size_t count() const { return count_; }

 private:
  void push(std::array<float, kHistory>& ring, float value);

  std::array<float, kHistory> intervals_{};
  std::array<float, kHistory> latencies_{};
  std::size_t count_ = 0;
  std::uint64_t last_received_ns_ = 0;
  std::uint64_t window_start_ns_ = 0;
  std::uint64_t window_frames_ = 0;
  double fps_ = 0.0;
};

}  // namespace kagami::client
