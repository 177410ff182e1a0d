#pragma once
// A base for backends that can only read the whole screen (fb, drm): it reads the screen at a
// fixed rate into a private copy, compares it with the previous copy to find the damage, and
// reports a frame only when something changed, so a static screen costs one read per poll and
// no frames. read_pixels copies the damaged rects from the private copy.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "capture/capture.h"

namespace kagami::capture {

class PolledScreenBackend : public CaptureBackend {
 public:
  explicit PolledScreenBackend(std::chrono::milliseconds poll_interval) : poll_interval_(poll_interval) {}

  CaptureStatus capture(std::chrono::milliseconds timeout, CaptureEvent* event) override;
  CaptureStatus read_pixels(const FrameTarget& target, std::span<const Rect> rects) override;
  std::string last_error() const override { return error_; }

 protected:
  // Reads the current screen into `out` (resized by the callee) with rows of format.pitch bytes,
  // already in the format's frame type. reinit/error when the screen went away.
  virtual CaptureStatus read_screen(std::vector<std::byte>& out, FrameFormat& format) = 0;
  void set_error(std::string error) { error_ = std::move(error); }
  // Forget the previous image: the next poll reports a full frame.
  void reset_shadow() { have_previous_ = false; }

 private:
  std::vector<Rect> diff(std::uint32_t rows, std::uint32_t row_bytes) const;

  std::chrono::milliseconds poll_interval_;
  std::chrono::steady_clock::time_point next_poll_{};
  std::vector<std::byte> current_, previous_;
  FrameFormat format_;
  bool have_previous_ = false;
  std::string error_;
};

}  // namespace kagami::capture
