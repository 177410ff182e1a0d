#include "tests/wine/windows/viewer.h"

#include <algorithm>
#include <cstring>
#include <thread>

#include "protocol/kvmfr_frame.h"

namespace kagami::wine_test {

using Clock = std::chrono::steady_clock;

Viewer::Viewer(std::span<std::byte> region) : region_(region), session_(region, clock_, random_) {}

void Viewer::connect(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (session_.poll(); !session_.connected(); session_.poll()) {
    check(Clock::now() < deadline, "the viewer never connected: " + session_.status().message);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

std::optional<ReceivedFrame> Viewer::poll_frame() {
  session_.poll();
  for (;;) {
    auto cursor = session_.receive_cursor();
    check(cursor.ok(),
          "a cursor message failed validation: " + (cursor ? std::string() : cursor.error().message));
    if (!*cursor) break;
    cursors_.push_back(std::move(**cursor));
  }
  auto received = session_.receive_frame();
  check(received.ok(), "a frame failed validation: " + (received ? std::string() : received.error().message));
  if (!*received) return std::nullopt;
  ReceivedFrame frame{**received, {}, {}, false, 1};
  check(protocol::wait_frame_bytes(region_, frame.info, frame.info.data_size, clock_, 2000),
        "the agent stalled writing a frame");
  const auto* pixels = reinterpret_cast<const std::uint8_t*>(region_.data() + frame.info.pixels_offset);
  frame.pixels.assign(pixels, pixels + frame.info.data_size);
  session_.frame_done();
  frame.damage = frame.info.damage;
  frame.whole = frame.damage.empty();
  return frame;
}

ReceivedFrame Viewer::frame_equal_to(const std::vector<std::uint8_t>& expected, std::uint32_t width,
                                     std::uint32_t bpp, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::vector<protocol::FrameDamageRect> damage;
  bool whole = false;
  std::uint32_t frames = 0;
  std::string last = "no frame";
  const std::size_t row = std::size_t{width} * bpp;
  for (;;) {
    check(Clock::now() < deadline, "no frame equal to the desktop image; last: " + last);
    auto frame = poll_frame();
    if (!frame) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      continue;
    }
    ++frames;
    damage.insert(damage.end(), frame->damage.begin(), frame->damage.end());
    whole |= frame->whole;
    const auto& f = frame->info;
    const std::size_t rows = expected.size() / row;
    if (f.frame_width != width || f.data_height != rows || f.pitch < row) {
      last = "a " + std::to_string(f.frame_width) + "x" + std::to_string(f.data_height) + " frame, pitch " +
             std::to_string(f.pitch);
      continue;
    }
    std::size_t differ = 0;
    for (std::size_t y = 0; y < rows; ++y)
      differ += std::memcmp(&frame->pixels[y * f.pitch], &expected[y * row], row) != 0;
    if (differ != 0) {
      last = std::to_string(differ) + " rows differ";
      continue;
    }
    // Tight rows for the caller.
    std::vector<std::uint8_t> tight(expected.size());
    for (std::size_t y = 0; y < rows; ++y) std::memcpy(&tight[y * row], &frame->pixels[y * f.pitch], row);
    frame->pixels = std::move(tight);
    frame->damage = std::move(damage);
    frame->whole = whole;
    frame->frames = frames;
    return std::move(*frame);
  }
}

protocol::CursorUpdate Viewer::cursor_where(const std::function<bool(const protocol::CursorUpdate&)>& match,
                                            std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const auto found = std::find_if(cursors_.begin(), cursors_.end(), match);
    if (found != cursors_.end()) {
      std::vector<protocol::CursorUpdate> rest(std::make_move_iterator(found + 1),
                                               std::make_move_iterator(cursors_.end()));
      cursors_.resize(static_cast<std::size_t>(found - cursors_.begin()) + 1);
      std::swap(cursors_, rest);
      return std::move(rest.back());
    }
    cursors_.clear();
    check(Clock::now() < deadline, "no matching cursor update");
    poll_frame();  // frames are taken too: an agent with both slots held waits
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

std::uint32_t Viewer::frames_during(std::chrono::milliseconds time) {
  const auto end = Clock::now() + time;
  std::uint32_t frames = 0;
  while (Clock::now() < end) {
    if (poll_frame()) ++frames;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return frames;
}

}  // namespace kagami::wine_test
