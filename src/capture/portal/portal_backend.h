#pragma once
// `portal`: the desktop's screen-cast portal (GNOME, KDE, wlroots desktops alike) and the
// PipeWire stream it hands out.
//   session  portal_session.h: D-Bus ScreenCast calls, the restore token kept so the user is
//            asked once; clear errors when there is no portal or the user declines.
//   pixels   a PipeWire video stream (BGRx/BGRA/RGBx/RGBA) in shared-memory buffers (MemFd or
//            MemPtr, mapped by PipeWire). PipeWire's thread copies each buffer's damaged rects
//            into a private image and returns the buffer at once; read_pixels copies from there.
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
  std::vector<std::byte> image_;  // the current screen, format_.pitch a row
  bool new_frame_ = false;
  bool full_damage_ = true;                       // since the last capture()
  std::vector<Rect> damage_;                      // since the last capture()
  std::optional<protocol::CursorUpdate> cursor_;  // since the last capture()
  std::uint32_t cursor_id_ = 0;                   // of the last shape sent (0 = none yet)
  bool lost_ = false;
  std::string error_;
};

}  // namespace kagami::capture
