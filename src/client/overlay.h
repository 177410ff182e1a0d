#pragma once
// Dear ImGui on top of the guest image: the status screen (what the client is waiting for), the
// statistics overlay, the key-binding help and short notices.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "client/frame_stats.h"
#include "protocol/kvmfr_udata.h"

struct ImDrawData;
struct ImGuiContext;

namespace kagami::client {

struct OverlayState {
  bool connected = false;      // frames are flowing
  bool have_image = false;     // a guest image is on screen
  std::string status;          // what the session says, for the user
  std::string warning;         // shown even while frames flow ("" = none)
  std::string region;          // the region's description
  std::string view_only_note;  // why input does not reach the guest ("" when it does)
  const protocol::GuestInfo* guest = nullptr;
  std::uint32_t guest_width = 0, guest_height = 0;
  const char* frame_type = "";
  bool show_stats = false;
  bool show_help = false;
  bool help_only = false;  // the user hid the overlays: draw the help (if shown) and nothing else
  std::string escape_key_name;
  double fps = 0.0;
  std::uint64_t rejected_frames = 0;
  const FrameStats* stats = nullptr;
  std::string renderer;  // the backend, its upload path and why it was chosen
};

// Threads: every window draws on a draw thread of its own, and Dear ImGui's current context is
// one process-wide global. So everything ImGui does (this class's build(), the renderer's ImGui
// backend: begin_overlay_frame, drawing the draw data, its shutdown) happens while holding lock(),
// which takes the one ImGui mutex and makes this window's context current. The overlay takes no
// input (every ImGui window here is NoInputs), so the event thread never touches ImGui: it only
// calls notify(), which is thread-safe.
class Overlay {
 public:
  // Creates the ImGui context (no platform backend: build() sets the display size itself); the
  // renderer draws the result (Renderer::begin_overlay_frame before build(), the draw data in
  // DrawState::overlay).
  Overlay();
  ~Overlay();
  Overlay(const Overlay&) = delete;
  Overlay& operator=(const Overlay&) = delete;

  // The process-wide ImGui mutex, held, with this window's context current.
  [[nodiscard]] std::unique_lock<std::mutex> lock();
  // Any thread: a notice shown for a few seconds (e.g. "screenshot saved to ...").
  void notify(std::string text, std::uint64_t now_ns);
  // Any thread: true while a notice is on screen (the overlay must be drawn).
  bool showing_notice(std::uint64_t now_ns) const { return now_ns < notice_until_ns_.load(); }
  // Any thread: when the screen must be drawn again for the overlay to stay current: the last
  // notice's expiry (it is nothing to animate: one draw when it shows, one when it goes).
  std::uint64_t redraw_at_ns() const { return notice_until_ns_.load(); }
  // Under lock(): lays out this frame's overlay for a window of `points_width` x `points_height`
  // (SDL window size) drawn into `pixels_width` x `pixels_height` (HiDPI). The draw data stays
  // valid until the next build().
  ImDrawData* build(const OverlayState& state, std::uint64_t now_ns, int points_width, int points_height,
                    int pixels_width, int pixels_height);

 private:
  void draw_status(const OverlayState& state);
  void draw_stats(const OverlayState& state);
  void draw_help(const OverlayState& state);

  ImGuiContext* context_ = nullptr;
  std::uint64_t last_build_ns_ = 0;  // ImGui's frame delta
  std::mutex notice_mutex_;          // notify() runs on the event thread, build() on the draw thread
  std::string notice_;               // guarded by notice_mutex_
  std::atomic<std::uint64_t> notice_until_ns_{0};
};

}  // namespace kagami::client
