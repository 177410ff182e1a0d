#pragma once
// The synthetic scene of the `pattern` backend: a function of (seed, size, frame number,
// timestamp) to BGRA pixels, so a test can recompute any frame and check every pixel.
//   - background: a fixed gradient that depends on the seed;
//   - four filled rectangles bouncing around with seeded sizes, colours and speeds;
//   - the frame number in big digits (white on black) at (0, 88);
//   - the latency marker (latency_marker.h) at (0, 0);
//   - a cursor path (a Lissajous curve) reported as cursor position, with a fixed arrow shape.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "capture/capture.h"
#include "capture/pattern/latency_marker.h"
#include "protocol/kvmfr_cursor.h"

namespace kagami::capture {

inline constexpr std::uint32_t kPatternMinWidth = 256;
inline constexpr std::uint32_t kPatternMinHeight = 128;

class PatternScene {
 public:
  // width >= kPatternMinWidth, height >= kPatternMinHeight.
  PatternScene(std::uint32_t width, std::uint32_t height, std::uint64_t seed);

  std::uint32_t width() const { return width_; }
  std::uint32_t height() const { return height_; }

  // Writes the `clip` part of the frame into `pixels` (row y at y * pitch, full-frame coordinates).
  void render(const LatencyMarker& frame, std::byte* pixels, std::size_t pitch, const Rect& clip) const;
  // Every pixel that may differ between frame `from` and frame `to`.
  std::vector<Rect> changed_rects(std::uint64_t from, std::uint64_t to) const;

  struct Point {
    std::int32_t x = 0, y = 0;
  };
  Point cursor_position(std::uint64_t frame) const;
  static protocol::CursorShape cursor_shape();  // a 16 x 16 COLOR arrow, hotspot (0, 0)

  static Rect counter_box();
  static Rect marker_box();

 private:
  struct Shape {
    std::uint32_t width, height;
    std::uint32_t x0, y0;  // position at frame 0 (before bouncing)
    std::uint32_t vx, vy;  // pixels per frame
    std::uint32_t colour;  // BGRA as a little-endian u32
  };
  Rect shape_rect(const Shape& shape, std::uint64_t frame) const;
  std::uint32_t background(std::uint32_t x, std::uint32_t y) const;

  std::uint32_t width_, height_;
  std::uint8_t tint_[3];
  std::vector<Shape> shapes_;
};

}  // namespace kagami::capture
