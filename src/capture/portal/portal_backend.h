#pragma once
// `portal`: the desktop's screen-cast portal (GNOME, KDE, wlroots desktops alike) and the
// PipeWire stream it hands out.
//   session  portal_session.h: D-Bus ScreenCast calls, the restore token kept so the user is
//            asked once; clear errors when there is no portal or the user declines.
//   pixels   a PipeWire video stream (BGRx/BGRA/RGBx/RGBA) in shared-memory buffers (MemFd or
//            MemPtr, mapped by PipeWire). PipeWire's thread keeps the newest buffer dequeued
//            (returning the one before, and any older ones at once); read_pixels copies the
//            damaged rects straight from it into the frame slot: one copy in the agent. (Before:
//            a copy into a private image on PipeWire's thread, then another into the slot.)
//            A buffer read_pixels is copying from is given back by read_pixels when a newer one
//            came meanwhile, and PipeWire waits for it before it unmaps buffers (a new format).
//   damage   SPA_META_VideoDamage (whole frames when a buffer has none).
//   cursor   SPA_META_Cursor where the portal offers cursor metadata (position, and the bitmap
//            when it changes) into the cursor channel; otherwise the portal is asked to hide it.
// The session closed by the desktop (sharing stopped) or a PipeWire error: CaptureStatus::reinit.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "capture/capture.h"
#include "capture/portal/portal_session.h"

struct pw_thread_loop;
struct pw_context;
struct pw_core;
struct pw_stream;
struct spa_hook;
struct pw_buffer;

namespace kagami::capture {

class PortalBackend final : public CaptureBackend {
 public:
  explicit PortalBackend(PortalConfig config);
  ~PortalBackend() override;

  std::string_view name() const override { return "portal"; }
  Result<void> start() override;
  CaptureStatus capture(std::chrono::milliseconds timeout, CaptureEvent* event) override;
  CaptureStatus read_pixels(const FrameTarget& target, std::span<const Rect> rects) override;
  std::string last_error() const override;

  // PipeWire callbacks (its thread), public for the C trampolines.
  void on_state(int state, const char* error);
  void on_format(const void* pod);
  void on_process();
  void on_remove_buffer(pw_buffer* buffer);

 private:
  void stop();

  PortalConfig config_;
  std::unique_ptr<PortalSession> session_;
  pw_thread_loop* loop_ = nullptr;
  pw_context* context_ = nullptr;
  pw_core* core_ = nullptr;
  pw_stream* stream_ = nullptr;
  std::unique_ptr<spa_hook> listener_;
  bool cursor_metadata_ = false;

  // Shared with PipeWire's thread.
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  bool negotiated_ = false;
  FrameFormat format_;            // negotiated
  pw_buffer* held_ = nullptr;     // the newest frame, kept from PipeWire; null until one came
  pw_buffer* reading_ = nullptr;  // the buffer read_pixels copies from right now (outside mutex_)
  std::uint64_t removals_ = 0;    // buffers PipeWire removed so far (on_remove_buffer)
  bool new_frame_ = false;
  bool full_damage_ = true;                       // since the last capture()
  std::vector<Rect> damage_;                      // since the last capture()
  std::optional<protocol::CursorUpdate> cursor_;  // since the last capture()
  std::uint32_t cursor_id_ = 0;                   // of the last shape sent (0 = none yet)
  bool lost_ = false;
  std::string error_;
};

}  // namespace kagami::capture
