#pragma once
// The seam between the client's frame intake / window and a graphics backend (GLES 3 or Vulkan).
// A renderer knows nothing of LGMP or of the session: it gets a validated frame description, the
// mapped region's bytes and a way to wait for the agent's progressive write pointer.
//
// Threads (contract for every backend):
//   frame thread  — upload() only. It may block in wait_ready (the agent still writing) and must
//                   never touch the window or present. When upload() returns, the renderer no
//                   longer reads the region for that frame, so the caller releases the frame
//                   message (for a zero-copy import: after the GPU's copy completed).
//   render thread — everything else: the display's draw thread (client_display.h), which is not
//                   the thread that created the window and pumps SDL's events; GLES has its
//                   context current there only. Creation and destruction happen on the window's
//                   thread while no draw thread runs. upload() may wait for the render thread
//                   (e.g. to grow a staging ring) only through settings.wake (below) and never
//                   longer than ~500 ms in all (a stalled agent's frame is given up after as long).
//   upload() and render() may run at the same time; the backend synchronises what they share
//   (e.g. a mutex around its queue submission or a PBO ring's indices) and documents how.
//   The newest uploaded frame is what render() draws: never one older than one already drawn.
//   max_texture_size() is constant after creation and may be called from any thread.
//
// Dear ImGui: the display owns the ImGui context (overlay.cpp); the renderer owns ImGui's renderer
// backend (imgui_impl_opengl3 / imgui_impl_vulkan), started on the first begin_overlay_frame() and
// shut down in its destructor (so the renderer goes before the ImGui context). The caller holds
// Overlay::lock() around begin_overlay_frame(), a render() with overlay draw data, and the
// destructor: ImGui's current context is one process-wide global.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "client/cursor_image.h"
#include "client/layout.h"
#include "common/result.h"
#include "protocol/kvmfr_frame.h"

struct ImDrawData;
struct SDL_Window;

namespace kagami::client {

// Blocks until at least `bytes` pixel bytes of the frame are written; false when the agent
// stalled (then what arrived is shown).
using WaitReady = std::function<bool(std::uint64_t bytes)>;

struct UploadStats {
  std::uint64_t bytes = 0;   // pixel bytes copied (by the CPU or the GPU)
  std::uint64_t cpu_ns = 0;  // CPU time in upload() spent copying (not waiting)
  bool stalled = false;      // the write pointer stopped short; what was there was uploaded
};

// The geometry of the frame on screen, shared with the cursor: guest desktop pixels -> window.
struct FrameGeometry {
  std::uint32_t frame_width = 0, frame_height = 0;    // buffer orientation
  std::uint32_t screen_width = 0, screen_height = 0;  // guest desktop (cursor coordinates)
  protocol::FrameRotation rotation = protocol::FrameRotation::r0;
  // Displayed (rotated) size.
  std::uint32_t image_width() const;
  std::uint32_t image_height() const;
};

// One frame to upload. `frame` was validated against `region` by the protocol layer: its pixels
// start at frame.pixels_offset and every row it describes lies inside the region.
struct FrameSource {
  const protocol::ValidatedFrame& frame;
  std::span<const std::byte> region;  // the whole mapping (a zero-copy import maps spans of it)
  bool full = false;                  // upload everything, not only the damage (after a gap)
  const WaitReady& wait_ready;
};

// What render() draws, in drawable pixels.
struct DrawState {
  int window_width = 0, window_height = 0;
  Layout layout;                      // where the image goes (compute_layout)
  bool cursor_visible = false;        // draw the cursor image at (cursor_x, cursor_y)
  double cursor_x = 0, cursor_y = 0;  // top-left of the cursor image, window pixels
  double cursor_scale = 1.0;          // window pixels per cursor pixel
  ImDrawData* overlay = nullptr;      // Dear ImGui's draw data for this frame, or null
};

// The guest image at its own resolution, 8-bit RGB rows top first (screenshots and tests).
struct GuestImage {
  std::uint32_t width = 0, height = 0;
  std::vector<std::uint8_t> rgb;
};

class Renderer {
 public:
  virtual ~Renderer() = default;

  // "gles" or "vulkan".
  virtual std::string_view name() const = 0;
  // One line for the log and the statistics overlay: device, upload path and why it was chosen,
  // e.g. "llvmpipe, host-pointer import (VK_EXT_external_memory_host)".
  virtual std::string describe() const = 0;

  // True when the device is a software rasteriser (llvmpipe, lavapipe): `--renderer auto` then
  // prefers GLES (renderer_factory.cpp says why). Any thread; constant.
  virtual bool software() const { return false; }

  // Frame thread (see above).
  virtual UploadStats upload(const FrameSource& source) = 0;
  // The largest texture/image side the device takes (any thread; constant). The frame intake
  // crops frames to it (issue 11 item 2: sizes bounded by the device and a memory budget).
  virtual std::uint32_t max_texture_size() const = 0;

  // Render thread.
  // The render thread takes the renderer's graphics context (GLES: makes its GL context current on
  // the calling thread; created current on the creating thread) and gives it up when it ends.
  virtual void attach_render_thread() {}
  virtual void detach_render_thread() {}
  // The drawable's size in pixels (GL: the EGL surface; Vulkan: the surface extent), which may
  // differ from SDL's window size on HiDPI and while a resize is in flight.
  virtual void drawable_size(int& width, int& height) const = 0;
  // Before ImGui::NewFrame() on a frame whose DrawState carries overlay draw data.
  virtual void begin_overlay_frame() = 0;
  // The newest uploaded frame (a backend may take in pending uploads here). render() draws a
  // frame of this geometry: a newer upload of another geometry waits for the next call, so the
  // layout the caller computed from geometry() always fits what is drawn.
  virtual bool has_frame() const = 0;
  virtual FrameGeometry geometry() const = 0;
  // True while an uploaded frame is not yet in a draw: staged and not committed (GLES), or
  // published after the last render() began (Vulkan). False means the last draw showed the newest
  // upload: the GLES direct path commits and draws a frame while its upload() still waits, so the
  // frame count that moves after it asks for no second, identical draw (ClientDisplay).
  virtual bool frame_pending() const = 0;
  virtual void reset() = 0;  // forget the image: black until the next frame
  // The user's rotation, quarter turns clockwise, on top of the frame's own (the rotate command);
  // geometry().rotation is the sum, and takes effect at once.
  virtual void set_user_rotation(int quarter_turns) = 0;
  virtual void set_cursor(const CursorImage& image) = 0;
  // Clears what the image leaves uncovered, draws the frame, the cursor and the overlay, presents.
  virtual void render(const DrawState& state) = 0;
  virtual void set_vsync(bool on) = 0;
  virtual Result<GuestImage> read_guest_image() = 0;
};

}  // namespace kagami::client
