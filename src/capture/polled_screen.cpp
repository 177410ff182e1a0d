#include "capture/polled_screen.h"

#include <algorithm>
#include <cstring>
#include <thread>

#include "capture/rects.h"

namespace kagami::capture {

namespace {
constexpr std::uint32_t kBandRows = 16;      // damage granularity in rows
constexpr std::uint32_t kBytesPerPixel = 4;  // every frame type these backends produce
}  // namespace

CaptureStatus PolledScreenBackend::capture(std::chrono::milliseconds timeout, CaptureEvent* event) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto now = std::chrono::steady_clock::now();
    if (next_poll_ > now) {
      if (next_poll_ > deadline) {
        std::this_thread::sleep_until(deadline);
        return CaptureStatus::timeout;
      }
      std::this_thread::sleep_until(next_poll_);
    }
    next_poll_ = std::max(next_poll_ + poll_interval_, std::chrono::steady_clock::now());

    std::swap(current_, previous_);
    FrameFormat format;
    const CaptureStatus status = read_screen(current_, format);
    if (status != CaptureStatus::ok) {
      have_previous_ = false;
      return status;
    }
    const bool same_format = have_previous_ && format == format_;
    format_ = format;
    std::vector<Rect> damage;
    if (same_format) {
      damage = diff(format.height, format.width * kBytesPerPixel);
      if (damage.empty()) {
        if (std::chrono::steady_clock::now() >= deadline) return CaptureStatus::timeout;
        continue;
      }
    }
    have_previous_ = true;
    *event = CaptureEvent{};
    event->frame = true;
    event->format = format;
    event->full_damage = !same_format;
    event->damage = std::move(damage);
    return CaptureStatus::ok;
  }
}

std::vector<Rect> PolledScreenBackend::diff(std::uint32_t rows, std::uint32_t row_bytes) const {
  const std::uint32_t pitch = format_.pitch;
  const std::uint32_t bpp = kBytesPerPixel;
  std::vector<Rect> damage;
  for (std::uint32_t band = 0; band < rows; band += kBandRows) {
    const std::uint32_t band_rows = std::min(kBandRows, rows - band);
    std::uint32_t first = row_bytes, last = 0;
    for (std::uint32_t y = band; y < band + band_rows; ++y) {
      const std::byte* a = current_.data() + std::size_t{y} * pitch;
      const std::byte* b = previous_.data() + std::size_t{y} * pitch;
      if (std::memcmp(a, b, row_bytes) == 0) continue;
      std::uint32_t lo = 0, hi = row_bytes;
      while (a[lo] == b[lo]) ++lo;
      while (a[hi - 1] == b[hi - 1]) --hi;
      first = std::min(first, lo);
      last = std::max(last, hi);
    }
    if (first >= last) continue;
    const std::uint32_t x0 = first / bpp, x1 = (last + bpp - 1) / bpp;
    Rect r{x0, band, x1 - x0, band_rows};
    // Join with the band above when the columns match: fewer, taller rects.
    if (!damage.empty() && damage.back().x == r.x && damage.back().width == r.width &&
        damage.back().y + damage.back().height == r.y) {
      damage.back().height += r.height;
    } else {
      damage.push_back(r);
    }
  }
  return damage;
}

CaptureStatus PolledScreenBackend::read_pixels(const FrameTarget& target, std::span<const Rect> rects) {
  const std::uint32_t bpp = kBytesPerPixel;
  const auto rows = static_cast<std::uint32_t>(
      std::min<std::uint64_t>(format_.height, target.pixels.size() / target.pitch));
  copy_rects_in_order(
      rects_to_copy(rects, format_.width, format_.height, rows), target.pitch, rows,
      [&](const Rect& r) {
        for (std::uint32_t y = r.y; y < r.y + r.height; ++y) {
          std::memcpy(target.pixels.data() + std::size_t{y} * target.pitch + std::size_t{r.x} * bpp,
                      current_.data() + std::size_t{y} * format_.pitch + std::size_t{r.x} * bpp,
                      std::size_t{r.width} * bpp);
        }
      },
      target.progress);
  return CaptureStatus::ok;
}

}  // namespace kagami::capture
