#include "marked_frames.h"

#include <algorithm>
#include <cstring>

#include "capture/pattern/latency_marker.h"
#include "common/clock.h"

namespace kagami::bench {

std::vector<std::byte> motion_frame(int step, std::uint32_t width, std::uint32_t height) {
  std::vector<std::byte> pixels(std::size_t{width} * 4 * height);
  for (std::uint32_t y = 0; y < height; ++y) {
    auto* row = reinterpret_cast<std::uint32_t*>(pixels.data() + std::size_t{y} * width * 4);
    for (std::uint32_t x = 0; x < width; ++x) {
      const std::uint32_t v = (x + y + static_cast<std::uint32_t>(step) * 16) & 255;
      row[x] = 0xFF000000u | v << 16 | (255 - v) << 8 | ((v * 3) & 255);
    }
  }
  return pixels;
}

std::uint32_t marker_row(std::uint32_t height) { return height - capture::kMarkerHeight; }

std::uint64_t publish_marked_frame(client::test::TestAgent& agent, const std::vector<std::byte>& pixels,
                                   std::uint32_t width, std::uint32_t height, std::uint32_t frame) {
  protocol::FrameDescription d;
  d.type = protocol::FrameType::bgra;
  d.screen_width = d.frame_width = d.data_width = width;
  d.screen_height = d.frame_height = d.data_height = height;
  d.stride = width;
  d.pitch = width * 4;
  std::uint64_t started = 0;
  agent.post_with(d, [&](protocol::FrameWrite& w) {
    std::byte* out = w.pixels().data();
    const capture::LatencyMarker marker{frame, monotonic_ns()};
    started = marker.timestamp_ns;
    // The chunks above the marker, then the marker's rows in one piece, marker included, before
    // the write pointer passes them.
    const std::size_t marker_start = std::size_t{marker_row(height)} * d.pitch;
    std::size_t done = 0;
    while (done < marker_start) {
      const std::size_t n = std::min<std::size_t>(protocol::kFrameBufferChunk, marker_start - done);
      std::memcpy(out + done, pixels.data() + done, n);
      done += n;
      w.advance(done);
    }
    std::memcpy(out + done, pixels.data() + done, pixels.size() - done);
    capture::draw_latency_marker(marker, out, d.pitch, 0, marker_row(height));
    w.advance(pixels.size());
    w.finish();
  });
  return started;
}

}  // namespace kagami::bench
