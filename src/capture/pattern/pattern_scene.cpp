#include "capture/pattern/pattern_scene.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>

#include "capture/rects.h"

namespace kagami::capture {

namespace {

constexpr std::uint32_t kDigits = 10;
constexpr std::uint32_t kDigitScale = 6;  // font pixels are 6 x 6
constexpr std::uint32_t kDigitAdvance = 4 * kDigitScale;
constexpr std::uint32_t kCounterY = kMarkerHeight + 8;

// 3 x 5 digit glyphs, one row per 3 bits (MSB = left).
constexpr std::array<std::array<std::uint8_t, 5>, 10> kGlyphs = {{
    {7, 5, 5, 5, 7},
    {2, 6, 2, 2, 7},
    {7, 1, 7, 4, 7},
    {7, 1, 7, 1, 7},
    {5, 5, 7, 1, 1},
    {7, 4, 7, 1, 7},
    {7, 4, 7, 5, 7},
    {7, 1, 2, 2, 2},
    {7, 5, 7, 5, 7},
    {7, 5, 7, 1, 7},
}};

// splitmix64: a small, well-mixed sequence from the seed.
std::uint64_t next_random(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Position of a point moving at `speed` from `start` and bouncing inside [0, range].
std::uint32_t bounce(std::uint64_t start, std::uint64_t speed, std::uint64_t frame, std::uint32_t range) {
  if (range == 0) return 0;
  const std::uint64_t period = 2ull * range;
  const std::uint64_t t = (start + speed * frame) % period;
  return static_cast<std::uint32_t>(t <= range ? t : period - t);
}

void fill_span(std::byte* row, std::uint32_t x0, std::uint32_t x1, std::uint32_t colour) {
  for (std::uint32_t x = x0; x < x1; ++x) std::memcpy(row + std::size_t{x} * 4, &colour, 4);
}

}  // namespace

PatternScene::PatternScene(std::uint32_t width, std::uint32_t height, std::uint64_t seed)
    : width_(std::max(width, kPatternMinWidth)), height_(std::max(height, kPatternMinHeight)) {
  std::uint64_t state = seed;
  for (auto& t : tint_) t = static_cast<std::uint8_t>(next_random(state));
  for (int i = 0; i < 4; ++i) {
    Shape s{};
    s.width = std::min<std::uint32_t>(64 + next_random(state) % 128, width_);
    s.height = std::min<std::uint32_t>(64 + next_random(state) % 128, height_);
    s.x0 = static_cast<std::uint32_t>(next_random(state) % width_);
    s.y0 = static_cast<std::uint32_t>(next_random(state) % height_);
    s.vx = 1 + static_cast<std::uint32_t>(next_random(state) % 8);
    s.vy = 1 + static_cast<std::uint32_t>(next_random(state) % 8);
    s.colour = 0xFF000000u | static_cast<std::uint32_t>(next_random(state) & 0xFFFFFF);
    shapes_.push_back(s);
  }
}

Rect PatternScene::shape_rect(const Shape& s, std::uint64_t frame) const {
  return Rect{bounce(s.x0, s.vx, frame, width_ - s.width), bounce(s.y0, s.vy, frame, height_ - s.height),
              s.width, s.height};
}

std::uint32_t PatternScene::background(std::uint32_t x, std::uint32_t y) const {
  const std::uint32_t b = (x + tint_[0]) & 0xff;
  const std::uint32_t g = (y + tint_[1]) & 0xff;
  const std::uint32_t r = (((x ^ y) >> 2) + tint_[2]) & 0xff;
  return 0xFF000000u | (r << 16) | (g << 8) | b;
}

Rect PatternScene::counter_box() { return Rect{0, kCounterY, kDigits * kDigitAdvance, 5 * kDigitScale}; }
Rect PatternScene::marker_box() { return Rect{0, 0, kMarkerWidth, kMarkerHeight}; }

void PatternScene::render(const LatencyMarker& frame, std::byte* pixels, std::size_t pitch,
                          const Rect& area) const {
  const Rect c = clip(area, width_, height_);
  if (c.width == 0) return;
  for (std::uint32_t y = c.y; y < c.y + c.height; ++y) {
    std::byte* row = pixels + y * pitch;
    for (std::uint32_t x = c.x; x < c.x + c.width; ++x) {
      const std::uint32_t v = background(x, y);
      std::memcpy(row + std::size_t{x} * 4, &v, 4);
    }
  }
  for (const Shape& s : shapes_) {
    const Rect r = shape_rect(s, frame.frame);
    if (!intersects(r, c)) continue;
    const std::uint32_t x0 = std::max(r.x, c.x), x1 = std::min(r.x + r.width, c.x + c.width);
    const std::uint32_t y0 = std::max(r.y, c.y), y1 = std::min(r.y + r.height, c.y + c.height);
    for (std::uint32_t y = y0; y < y1; ++y) fill_span(pixels + y * pitch, x0, x1, s.colour);
  }
  const Rect counter = counter_box();
  if (intersects(counter, c)) {
    std::uint64_t n = frame.frame;
    std::array<std::uint8_t, kDigits> digits{};
    for (std::uint32_t i = 0; i < kDigits; ++i, n /= 10)
      digits[kDigits - 1 - i] = static_cast<std::uint8_t>(n % 10);
    const std::uint32_t y0 = std::max(counter.y, c.y),
                        y1 = std::min(counter.y + counter.height, c.y + c.height);
    const std::uint32_t x0 = std::max(counter.x, c.x),
                        x1 = std::min(counter.x + counter.width, c.x + c.width);
    for (std::uint32_t y = y0; y < y1; ++y) {
      const std::uint32_t glyph_row = (y - counter.y) / kDigitScale;
      std::byte* row = pixels + y * pitch;
      for (std::uint32_t x = x0; x < x1; ++x) {
        const std::uint32_t digit = (x - counter.x) / kDigitAdvance;
        const std::uint32_t column = (x - counter.x) % kDigitAdvance / kDigitScale;  // 3 = the gap
        const bool on = column < 3 && ((kGlyphs[digits[digit]][glyph_row] >> (2 - column)) & 1);
        const std::uint32_t v = on ? 0xFFFFFFFFu : 0xFF000000u;
        std::memcpy(row + std::size_t{x} * 4, &v, 4);
      }
    }
  }
  const Rect marker = marker_box();
  if (intersects(marker, c)) {
    std::array<std::uint32_t, kMarkerWidth * kMarkerHeight> block{};
    draw_latency_marker(frame, reinterpret_cast<std::byte*>(block.data()), kMarkerWidth * 4, 0, 0);
    const std::uint32_t y1 = std::min(marker.height, c.y + c.height);
    const std::uint32_t x0 = c.x, x1 = std::min(marker.width, c.x + c.width);
    for (std::uint32_t y = c.y; y < y1; ++y) {
      std::memcpy(pixels + y * pitch + std::size_t{x0} * 4, block.data() + y * kMarkerWidth + x0,
                  std::size_t{x1 - x0} * 4);
    }
  }
}

std::vector<Rect> PatternScene::changed_rects(std::uint64_t from, std::uint64_t to) const {
  std::vector<Rect> rects;
  if (from == to) return rects;
  add_rect(rects, marker_box());
  add_rect(rects, counter_box());
  for (const Shape& s : shapes_) {
    const Rect a = shape_rect(s, from), b = shape_rect(s, to);
    if (a == b) continue;
    add_rect(rects, a);
    add_rect(rects, b);
  }
  return rects;
}

PatternScene::Point PatternScene::cursor_position(std::uint64_t frame) const {
  const double t = static_cast<double>(frame % 600) * (2.0 * M_PI / 600.0);
  const double cx = width_ / 2.0, cy = height_ / 2.0;
  return Point{static_cast<std::int32_t>(cx + (cx - 20) * std::sin(3 * t)),
               static_cast<std::int32_t>(cy + (cy - 20) * std::sin(2 * t))};
}

protocol::CursorShape PatternScene::cursor_shape() {
  protocol::CursorShape shape;
  shape.type = protocol::CursorType::color;
  shape.width = 16;
  shape.height = 16;
  shape.pitch = 16 * 4;
  shape.data.assign(16 * 16 * 4, 0);
  // A white arrow with a black outline: row y covers columns 0..y/1 of a right triangle.
  for (std::uint32_t y = 0; y < 16; ++y) {
    for (std::uint32_t x = 0; x <= y && x < 11; ++x) {
      const bool edge = x == 0 || x == y || y == 15 || x == 10;
      std::uint8_t* p = &shape.data[(y * 16 + x) * 4];
      const std::uint8_t v = edge ? 0 : 255;
      p[0] = p[1] = p[2] = v;
      p[3] = 255;
    }
  }
  return shape;
}

}  // namespace kagami::capture
