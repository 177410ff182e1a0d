#include "capture/pattern/pattern_backend.h"

#include <algorithm>
#include <thread>

#include "capture/rects.h"
#include "common/clock.h"

namespace kagami::capture {

PatternBackend::PatternBackend(PatternConfig config) : config_(std::move(config)) {}

PatternSize PatternBackend::size_for(std::uint64_t frame) const {
  if (config_.frames_per_size == 0 || config_.more_sizes.empty()) return config_.size;
  const std::uint64_t index = (frame / config_.frames_per_size) % (config_.more_sizes.size() + 1);
  return index == 0 ? config_.size : config_.more_sizes[index - 1];
}

Result<void> PatternBackend::start() {
  const PatternSize size = size_for(next_frame_);
  scene_ = std::make_unique<PatternScene>(size.width, size.height, config_.seed);
  next_due_ = std::chrono::steady_clock::now();
  shape_sent_ = false;
  return {};
}

CaptureStatus PatternBackend::capture(std::chrono::milliseconds timeout, CaptureEvent* event) {
  *event = CaptureEvent{};
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(cursor_mutex_);
    if (requested_cursor_) {
      protocol::CursorUpdate cursor;
      cursor.has_position = true;
      cursor.x = static_cast<std::int16_t>(requested_cursor_->x);
      cursor.y = static_cast<std::int16_t>(requested_cursor_->y);
      cursor.visible = true;
      requested_cursor_.reset();
      event->cursor = cursor;
      return CaptureStatus::ok;
    }
  }
  if (next_due_ > now + timeout) {
    std::this_thread::sleep_for(timeout);
    return CaptureStatus::timeout;
  }
  std::this_thread::sleep_until(next_due_);
  // A late caller gets the next frame at once, not a burst of missed ones.
  next_due_ =
      std::max(next_due_ + config_.frame_interval, std::chrono::steady_clock::now() - config_.frame_interval);

  const std::uint64_t number = next_frame_++;
  const bool first = number == 0 || !shape_sent_;
  const PatternSize size = size_for(number);
  const bool resized = size.width != scene_->width() || size.height != scene_->height();
  if (resized) scene_ = std::make_unique<PatternScene>(size.width, size.height, config_.seed);

  event->frame = true;
  event->format.type = protocol::FrameType::bgra;
  event->format.width = scene_->width();
  event->format.height = scene_->height();
  event->format.pitch = scene_->width() * 4;
  event->full_damage = first || resized;
  if (!event->full_damage) event->damage = scene_->changed_rects(frame_.frame, number);
  frame_ = LatencyMarker{number, monotonic_ns()};

  protocol::CursorUpdate cursor;
  const PatternScene::Point p = scene_->cursor_position(number);
  cursor.has_position = true;
  cursor.x = static_cast<std::int16_t>(p.x);
  cursor.y = static_cast<std::int16_t>(p.y);
  cursor.visible = true;
  if (!shape_sent_) {
    cursor.shape = PatternScene::cursor_shape();
    shape_sent_ = true;
  }
  event->cursor = std::move(cursor);
  return CaptureStatus::ok;
}

CaptureStatus PatternBackend::read_pixels(const FrameTarget& target, std::span<const Rect> rects) {
  const std::uint32_t rows = static_cast<std::uint32_t>(
      std::min<std::uint64_t>(scene_->height(), target.pixels.size() / target.pitch));
  std::vector<Rect> todo(rects.begin(), rects.end());
  if (todo.empty()) {
    // A full frame in bands of ~1 MiB, so the write pointer moves while the rest is drawn.
    const std::uint32_t band = std::max<std::uint32_t>(1, (1u << 20) / target.pitch);
    for (std::uint32_t y = 0; y < rows; y += band) todo.push_back(Rect{0, y, scene_->width(), band});
  }
  for (Rect& r : todo) r = clip(r, scene_->width(), rows);
  std::erase_if(todo, [](const Rect& r) { return r.width == 0; });
  copy_rects_in_order(
      std::move(todo), target.pitch, rows,
      [&](const Rect& r) { scene_->render(frame_, target.pixels.data(), target.pitch, r); }, target.progress);
  return CaptureStatus::ok;
}

void PatternBackend::set_cursor_position(std::int32_t x, std::int32_t y) {
  std::lock_guard lock(cursor_mutex_);
  requested_cursor_ = PatternScene::Point{x, y};
}

}  // namespace kagami::capture
