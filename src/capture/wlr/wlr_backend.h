#pragma once
// `wlr`: one output of a wlroots compositor (sway, Wayfire, river, Hyprland, labwc) through the
// screen-copy protocol (zwlr_screencopy_manager_v1, up to version 3).
//   pixels  each frame is a `copy_with_damage` into one of two wl_shm buffers of a private memfd:
//           the compositor answers only once the output changed, and writes the whole output.
//           Two buffers, so the frame read_pixels copies from is never the one the compositor is
//           writing: the next copy is requested as soon as a frame is ready (no commit is missed).
//           read_pixels copies the damaged rects from there into the frame slot (converted when
//           the compositor's format is not a KVMFR one).
//   damage  the protocol's damage events (what changed since this client's previous frame);
//           whole frames from compositors with version 1.
//   cursor  left out of the frames (overlay_cursor = 0) unless `overlay_cursor`; screen-copy has
//           no cursor channel, so no cursor updates are sent.
//   output  by name (wl_output version 4 `name`), else the first one announced.
// A lost connection, a vanished output or a failed copy return CaptureStatus::reinit; start()
// connects again.
//
// Why not the region's own fd as the wl_shm pool (as x11 does with MIT-SHM)? The compositor
// writes a copy when *it* commits, not when asked; a frame slot may only be written between the
// agent's post_frame and finish, so writing the slot directly would need a plain `copy` issued in
// read_pixels, which completes at the compositor's next commit: one frame interval later than
// this design, and the damage would still need a second copy to be learnt.
#include <chrono>
#include <cstdint>
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
  };
  // Two wl_shm buffers of one memfd, for one buffer geometry.
  struct Pool;
  struct Frame {
    WlrBackend* self = nullptr;
    zwlr_screencopy_frame_v1* frame = nullptr;
    std::shared_ptr<Pool> pool;
    int slot = 0;  // which of pool's two buffers
    std::uint32_t format = 0, width = 0, height = 0, stride = 0;
    bool have_buffer = false, copied = false, ready = false, failed = false, y_invert = false;
    std::string why;  // when failed on our side
    std::vector<Rect> damage;
  };
  void on_global(wl_registry* registry, std::uint32_t name, const char* interface, std::uint32_t version);
  void on_global_remove(std::uint32_t name);
  void on_buffer_done(Frame* frame);

 private:
  void disconnect();
  CaptureStatus lost(std::string why);
  void request_frame();
  void destroy_frame(std::unique_ptr<Frame>& frame);
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

  std::unique_ptr<Frame> pending_;  // the copy the compositor will answer next
  std::unique_ptr<Frame> current_;  // the last ready frame: what read_pixels copies
  std::shared_ptr<Pool> pool_;      // the buffers new frames use (replaced on a geometry change)
  FrameFormat format_;              // of current_
  SourceFormat source_ = SourceFormat::xrgb8888;
  bool need_full_frame_ = true;
  std::string error_;
};

}  // namespace kagami::capture
