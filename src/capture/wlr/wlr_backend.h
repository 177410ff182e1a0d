#pragma once
// `wlr`: one output of a wlroots compositor (sway, Wayfire, river, Hyprland, labwc) through the
// screen-copy protocol (zwlr_screencopy_manager_v1, up to version 3).
//   pixels  each frame is a `copy_with_damage` into one of three wl_shm buffers of a private
//           memfd: the compositor answers at its next output commit that changed something, and
//           writes the whole output. Two copies are kept requested in the compositor (each into
//           a buffer of its own; the third holds the last ready frame, which read_pixels copies
//           from), plus a spare frame whose buffer the compositor has described already: when a
//           copy becomes ready, the spare's copy is requested at once, without a round trip. So
//           a commit that comes while the agent publishes is caught by the other requested copy.
//           (With one copy in flight, its successor could only be requested once the agent came
//           back to capture() and a round trip later: measured up to 20 ms after the `ready` under
//           load, more than sway's frame interval, and the commit in between was skipped.)
//           read_pixels copies the damaged rects from there into the frame slot (converted when
//           the compositor's format is not a KVMFR one).
//   damage  the protocol's damage events (what changed since this client's previous frame);
//           whole frames from compositors with version 1. Frames that became ready together are
//           merged: the newest is shown, with the union of their damage.
//   cursor  left out of the frames (overlay_cursor = 0) unless `overlay_cursor`; screen-copy has
//           no cursor channel, so no cursor updates are sent.
//   output  by name (wl_output version 4 `name`), else the first one announced.
//   mode    a new mode or transform: the copies not yet answered are asked again, the first as a
//           plain `copy` (a whole frame whatever the damage); copies of the old geometry
//           answered anyway are dropped, never shown (see restart_requests(), stale() and
//           docs/agent.md "wlr: a mode change").
// A lost connection, a vanished output or a failed copy of the current geometry return
// CaptureStatus::reinit; start() connects again.
//
// Why not the region's own fd as the wl_shm pool (as x11 does with MIT-SHM)? The compositor
// writes a copy when *it* commits, not when asked; a frame slot may only be written between the
// agent's post_frame and finish, so writing the slot directly would need a plain `copy` issued in
// read_pixels, which completes at the compositor's next commit: one frame interval later than
// this design, and the damage would still need a second copy to be learnt.
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "capture/capture.h"
#include "capture/pixel_format.h"

struct wl_display;
struct wl_registry;
struct wl_shm;
struct wl_output;
struct zwlr_screencopy_manager_v1;
struct zwlr_screencopy_frame_v1;

namespace kagami::capture {

struct WlrConfig {
  std::string display;          // the Wayland socket; empty: $WAYLAND_DISPLAY (wayland-0 if unset)
  std::string output;           // output name (e.g. HDMI-A-1, HEADLESS-2); empty: the first one
  bool overlay_cursor = false;  // paint the cursor into the frames
  // Copies kept requested in the compositor (1 or 2). 2 (+ a spare frame): a commit while the
  // agent publishes is caught. 1 (no spare) is the design before that, kept so that bench/agent
  // measures both side by side.
  int queued_copies = 2;
};

class WlrBackend final : public CaptureBackend {
 public:
  explicit WlrBackend(WlrConfig config);
  ~WlrBackend() override;

  std::string_view name() const override { return "wlr"; }
  Result<void> start() override;
  CaptureStatus capture(std::chrono::milliseconds timeout, CaptureEvent* event) override;
  CaptureStatus read_pixels(const FrameTarget& target, std::span<const Rect> rects) override;
  std::string last_error() const override { return error_; }

  // What start() found, for logs and tests.
  const std::string& output_name() const { return output_name_; }
  std::uint32_t protocol_version() const { return manager_version_; }
  // The frame the last successful capture() returned (call on the capture thread, for latency
  // measurements): the compositor's time of the output commit it copied (the `ready` event,
  // CLOCK_MONOTONIC in wlroots), and when this backend read that `ready` (CLOCK_MONOTONIC).
  std::uint64_t frame_commit_ns() const { return current_ ? current_->commit_ns : 0; }
  std::uint64_t frame_received_ns() const { return current_ ? current_->received_ns : 0; }

  // Registry and protocol state, public for the C listeners in the .cpp file.
  struct Output {
    wl_output* output = nullptr;
    std::uint32_t global = 0;
    std::string name;
    // The current mode and transform, and whether they changed since the last look (a copy
    // requested for the old geometry may never be answered: it is asked again).
    std::int32_t width = 0, height = 0, transform = 0;
    std::int32_t pending_width = 0, pending_height = 0, pending_transform = 0;
    bool changed = false;
    // A new mode or transform announced whose `done` has not come yet (compositors that commit
    // the new mode with a buffer answer copies between the two).
    bool announcing() const {
      return width != 0 &&
             (pending_width != width || pending_height != height || pending_transform != transform);
    }
  };
  // kBuffers wl_shm buffers of one memfd, for one buffer geometry: up to two queued copies and
  // the ready frame read_pixels reads.
  static constexpr int kBuffers = 3;
  struct Pool;
  struct Frame {
    WlrBackend* self = nullptr;
    zwlr_screencopy_frame_v1* frame = nullptr;
    std::shared_ptr<Pool> pool;
    int slot = -1;  // which of pool's buffers; -1 until the copy is requested
    std::uint32_t format = 0, width = 0, height = 0, stride = 0;
    // described: the compositor told the buffer it wants (buffer_done); copying: copy requested.
    bool have_buffer = false, described = false, copying = false, ready = false, failed = false;
    bool y_invert = false;
    std::string why;  // when failed on our side
    std::vector<Rect> damage;
    std::uint64_t commit_ns = 0, received_ns = 0;  // see frame_commit_ns()
    std::uint64_t geometry = 0;                    // the backend's geometry_ when it was asked for
  };
  void on_global(wl_registry* registry, std::uint32_t name, const char* interface, std::uint32_t version);
  void on_global_remove(std::uint32_t name);
  void on_buffer_done(Frame* frame);

 private:
  void disconnect();
  CaptureStatus lost(std::string why);
  // How many copies to keep requested: queued_copies, one while a whole frame is awaited.
  std::size_t copies_wanted() const;
  // Asks the compositor for frames: two copies and a spare one (queued_copies 2), or one.
  void request_frames();
  // After a geometry change: drops the copies not answered yet and asks again, for a whole frame.
  void restart_requests();
  // Whether an answered copy may be of a geometry the output no longer has (asked for before the
  // last change, or answered while a change is being announced): never shown.
  bool stale(const Frame& frame) const;
  // Requests the copy of described frames until copies_wanted() are in flight.
  void issue_copies();
  // Requests `frame`'s copy into a free buffer; false when none is free (or allocation failed).
  bool copy(Frame& frame);
  void destroy_frame(std::unique_ptr<Frame>& frame);
  void destroy_queued();
  // A buffer of pool_ that neither current_ nor a queued copy uses.
  int free_slot() const;
  // Waits for display events until `deadline`; false when the connection broke.
  bool dispatch_until(std::chrono::steady_clock::time_point deadline);

  WlrConfig config_;
  wl_display* display_ = nullptr;
  wl_registry* registry_ = nullptr;
  wl_shm* shm_ = nullptr;
  zwlr_screencopy_manager_v1* manager_ = nullptr;
  std::uint32_t manager_version_ = 0;
  std::vector<std::unique_ptr<Output>> outputs_;
  Output* chosen_ = nullptr;
  bool chosen_removed_ = false;
  std::string output_name_;

  std::deque<std::unique_ptr<Frame>> queued_;  // copies asked for, oldest first
  std::unique_ptr<Frame> current_;             // the last ready frame: what read_pixels copies
  std::shared_ptr<Pool> pool_;                 // the buffers new frames use (replaced on a geometry change)
  FrameFormat format_;                         // of current_
  SourceFormat source_ = SourceFormat::xrgb8888;
  // A whole frame is awaited (at start and after a geometry change): the copy asked for is a
  // plain `copy`, answered at the next commit whatever the damage. Only a frame of the current
  // geometry ends the wait.
  bool need_full_frame_ = true;
  std::uint64_t geometry_ = 0;  // counts geometry changes (restart_requests)
  std::string error_;
};

}  // namespace kagami::capture
