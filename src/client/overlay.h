#pragma once
// Dear ImGui on top of the guest image: the status screen (what the client is waiting for), the
// statistics overlay, the key-binding help and short notices.
#include <SDL2/SDL.h>

#include <cstdint>
#include <memory>
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

class Overlay {
 public:
  // Creates the ImGui context and its SDL platform backend; the renderer draws the result
  // (Renderer::begin_overlay_frame before build(), the draw data in DrawState::overlay).
  // One per window: ImGui's context is a global "current" one, so with several windows the
  // owner calls activate() before anything ImGui does for this window (the renderer's ImGui
  // backend keeps its state in the current context too).
  explicit Overlay(SDL_Window* window);
  ~Overlay();
  Overlay(const Overlay&) = delete;
  Overlay& operator=(const Overlay&) = delete;

  void activate();
  void process_event(const SDL_Event& event);
  // A notice shown for a few seconds (e.g. "screenshot saved to ...").
  void notify(std::string text, std::uint64_t now_ns);
  // True while a notice is on screen (the overlay must be drawn).
  bool showing_notice(std::uint64_t now_ns) const { return now_ns < notice_until_ns_; }
  // When the screen must be drawn again for the overlay to stay current: the last notice's
  // expiry (it is nothing to animate: one draw when it shows, one when it goes).
  std::uint64_t redraw_at_ns() const { return notice_until_ns_; }
  // Lays out this frame's overlay; the draw data stays valid until the next build().
  ImDrawData* build(const OverlayState& state, std::uint64_t now_ns);

 private:
  void draw_status(const OverlayState& state);
  void draw_stats(const OverlayState& state);
  void draw_help(const OverlayState& state);

  ImGuiContext* context_ = nullptr;
  std::string notice_;
  std::uint64_t notice_until_ns_ = 0;
};

}  // namespace kagami::client
