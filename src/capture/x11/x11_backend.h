#pragma once
// `x11`: an X server's root window through xcb.
//   pixels  MIT-SHM with the region's fd attached, so GetImage writes straight into the frame
//           slot (full-width row bands at the slot's shm offset); a private shm segment plus a
//           copy when the region has no fd; plain GetImage when MIT-SHM is missing.
//   damage  XDamage on the root window (full frames at the poll rate without it).
//   cursor  XFixes cursor-change events and images; the position is polled (QueryPointer).
//   resize  the root window's ConfigureNotify (what a RandR screen resize sends): the next
//           frame has the new format and full damage.
//   output  with X11Config::output, one RandR monitor (x11_outputs.h) instead of the root: the
//           frame is that rectangle of the root, damage is clipped to it and moved to its
//           origin, the cursor is visible only while the pointer is on it. When the monitor
//           moves or changes size, capture() returns reinit and start() looks it up again.
// A lost connection returns CaptureStatus::reinit; start() connects again.
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "capture/capture.h"

struct xcb_connection_t;

namespace kagami::capture {

struct X11Config {
  std::string display;  // empty: $DISPLAY
  std::string output;   // a RandR monitor name or index; empty: the whole root window
  bool use_shm = true;
  bool use_damage = true;
  std::chrono::milliseconds poll_interval{16};  // cursor position polls (60 Hz); full frames without XDamage
};

class X11Backend final : public CaptureBackend {
 public:
  explicit X11Backend(X11Config config);
  ~X11Backend() override;

  std::string_view name() const override { return "x11"; }
  Result<void> start() override;
  CaptureStatus capture(std::chrono::milliseconds timeout, CaptureEvent* event) override;
  CaptureStatus read_pixels(const FrameTarget& target, std::span<const Rect> rects) override;
  void set_cursor_position(std::int32_t x, std::int32_t y) override;
  std::string last_error() const override { return error_; }
  std::optional<protocol::OutputInfo> output() const override { return output_; }

  // What start() found, for logs and tests.
  bool using_shm() const { return shm_; }
  bool using_damage() const { return damage_ext_; }

 private:
  void disconnect();
  Result<void> find_output();                            // sets output_, origin and size from config_.output
  bool output_moved();                                   // the monitor is no longer where output_ says
  bool on_output(std::int32_t x, std::int32_t y) const;  // a root position lies on the frame
  CaptureStatus lost(std::string why);
  void handle_events(bool* damaged, bool* cursor_changed);
  bool fetch_damage(std::vector<Rect>* rects);
  bool fetch_cursor_shape(protocol::CursorUpdate* update);
  bool poll_pointer(protocol::CursorUpdate* update);
  // MIT-SHM segment for `target`: the region itself when it has an fd, else a private one.
  bool attach_region(const FrameTarget& target);
  bool ensure_private_segment();
  CaptureStatus read_bands_shm(const FrameTarget& target, std::uint32_t segment, bool direct,
                               const std::vector<Rect>& bands);
  CaptureStatus read_bands_plain(const FrameTarget& target, const std::vector<Rect>& bands);

  X11Config config_;
  // conn_ and root_ are replaced only under conn_mutex_ (capture thread); set_cursor_position
  // (timer thread) reads them under it. The capture thread reads them without it.
  std::mutex conn_mutex_;
  xcb_connection_t* conn_ = nullptr;
  std::uint32_t root_ = 0;
  std::uint32_t width_ = 0, height_ = 0;  // of the frame: the root, or the output
  // With an output: its place on the root. origin_ is written under conn_mutex_ (capture thread)
  // and read under it by set_cursor_position.
  std::optional<protocol::OutputInfo> output_;
  std::int32_t origin_x_ = 0, origin_y_ = 0;
  std::uint32_t root_width_ = 0, root_height_ = 0;
  std::chrono::steady_clock::time_point next_output_check_{};  // also without an event
  bool check_output_ = false;  // the root or the RandR layout changed: look the output up again
  std::uint8_t randr_event_ = 0;
  std::uint8_t damage_event_ = 0, xfixes_event_ = 0;
  bool shm_ = false;
  bool damage_ext_ = false;
  bool xfixes_ = false;
  std::uint32_t damage_ = 0;  // XDamage object on the root window
  std::uint32_t region_ = 0;  // XFixes region the damage is moved into
  // The region's fd attached as a segment (attached_fd_ is the caller's fd, not ours).
  std::uint32_t region_segment_ = 0;
  int attached_fd_ = -1;
  // Private segment for targets without an fd.
  std::uint32_t private_segment_ = 0;
  std::byte* private_pixels_ = nullptr;
  std::size_t private_size_ = 0;

  bool need_full_frame_ = true;
  bool size_changed_ = false;
  bool have_pointer_ = false;
  std::int16_t pointer_x_ = 0, pointer_y_ = 0;  // the pointer (hotspot) position
  std::int16_t hotspot_x_ = 0, hotspot_y_ = 0;  // of the current shape
  bool pointer_visible_ = false;
  std::chrono::steady_clock::time_point next_poll_{};
  std::string error_;
};

}  // namespace kagami::capture
