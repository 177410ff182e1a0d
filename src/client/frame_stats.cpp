#include "client/frame_stats.h"

#include <algorithm>

namespace kagami::client {

void FrameStats::push(std::array<float, kHistory>& ring, float value) {
  // Kept in order (oldest first) so ImGui can plot the array directly; 240 floats move cheaply.
  if (count_ == kHistory) std::rotate(ring.begin(), ring.begin() + 1, ring.end());
  ring[std::min(count_, kHistory - 1)] = value;
}

void FrameStats::on_frame(std::uint64_t received_ns, std::uint64_t presented_ns) {
  const float interval =
      last_received_ns_ ? static_cast<float>(received_ns - last_received_ns_) / 1e6f : 0.0f;
  const float latency =
      presented_ns > received_ns ? static_cast<float>(presented_ns - received_ns) / 1e6f : 0.0f;
  push(intervals_, interval);
  push(latencies_, latency);
  if (count_ < kHistory) ++count_;
  last_received_ns_ = received_ns;
  ++window_frames_;
}

double FrameStats::fps(std::uint64_t now_ns) {
  if (window_start_ns_ == 0) window_start_ns_ = now_ns;
  const std::uint64_t elapsed = now_ns - window_start_ns_;
  if (elapsed >= 1'000'000'000) {
    fps_ = static_cast<double>(window_frames_) * 1e9 / static_cast<double>(elapsed);
    window_start_ns_ = now_ns;
    window_frames_ = 0;
  }
  return fps_;
}

}  // namespace kagami::client
