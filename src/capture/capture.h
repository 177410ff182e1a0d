#pragma once
// The capture interface: one per way of seeing the guest's screen (pattern, x11, drm, fb,
// and on Windows dxgi, gdi). Shaped after DXGI Desktop Duplication: a frame arrives only when
// something changed, with its damage, and the cursor's shape and position come with it.
//
// Flow, on the agent's capture thread:
//   1. capture(timeout, &event)  — waits for a change; fills geometry, damage, cursor.
//   2. if event.frame: read_pixels(target, rects) — copies those rects of the *current* screen
//      into the frame slot (the agent passes the union of damage the slot has missed).
// No OS header appears here; platform code lives in the backends.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "protocol/kvmfr_cursor.h"
#include "protocol/kvmfr_layout.h"
#include "protocol/kvmfr_output.h"

namespace kagami::capture {

struct Rect {
  std::uint32_t x = 0, y = 0, width = 0, height = 0;
  bool operator==(const Rect&) const = default;
};

// What the frame looks like; a change of any field is a format change (formatVer bump).
struct FrameFormat {
  protocol::FrameType type = protocol::FrameType::bgra;
  std::uint32_t width = 0;  // pixels
  std::uint32_t height = 0;
  std::uint32_t pitch = 0;  // bytes per row the backend writes
  protocol::FrameRotation rotation = protocol::FrameRotation::r0;
  bool hdr = false;
  bool hdr_pq = false;
  bool operator==(const FrameFormat&) const = default;
};

struct CaptureEvent {
  bool frame = false;  // a new frame: format and damage are set
  FrameFormat format;
  bool full_damage = true;                       // damage unknown or everything changed
  std::vector<Rect> damage;                      // changed rects (when !full_damage), in frame pixels
  std::optional<protocol::CursorUpdate> cursor;  // position and/or shape changed
};

enum class CaptureStatus {
  ok,       // event filled (frame and/or cursor)
  timeout,  // nothing changed within the timeout
  reinit,   // capture lost (mode change, ACCESS_LOST): call start() again
  error,    // failed for good; last_error() says why
};

// Where read_pixels writes: the frame slot in shared memory.
struct FrameTarget {
  std::span<std::byte> pixels;  // row r at r * pitch
  std::uint32_t pitch = 0;
  int region_fd = -1;               // the region's fd (MIT-SHM attach), -1 if none; do not close
  std::uint64_t region_offset = 0;  // shm offset of pixels[0] within region_fd
  // Called with the number of bytes of pixels[] that are final, in increasing order, so the
  // write pointer advances while the rest is still being copied.
  std::function<void(std::uint64_t)> progress;
};

class CaptureBackend {
 public:
  virtual ~CaptureBackend() = default;
  virtual std::string_view name() const = 0;

  // Opens the screen. Called again after CaptureStatus::reinit.
  virtual Result<void> start() = 0;
  virtual CaptureStatus capture(std::chrono::milliseconds timeout, CaptureEvent* event) = 0;
  // Copies `rects` (all of them if empty) of the frame last returned by capture().
  virtual CaptureStatus read_pixels(const FrameTarget& target, std::span<const Rect> rects) = 0;
  // The client asked to move the guest cursor (guest desktop pixels). Optional.
  virtual void set_cursor_position(std::int32_t /*x*/, std::int32_t /*y*/) {}
  // When the backend shows one of several guest outputs: which, and where it lies in the guest
  // desktop (valid after start(); the agent writes it into the region's KVMFR output record).
  // nullopt: the whole screen.
  virtual std::optional<protocol::OutputInfo> output() const { return std::nullopt; }
  virtual std::string last_error() const = 0;
};

}  // namespace kagami::capture
