#pragma once
// Session::Impl: the spice-client-glib session and its channels. Everything here runs on the
// GlibLoop thread except the constructor, the destructor and status() (see session.h).
#include <memory>
#include <optional>
#include <string>

#include "spice/clipboard_bridge.h"
#include "spice/glib_loop.h"
#include "spice/input_sender.h"
#include "spice/pulse_context.h"
#include "spice/pulse_playback.h"
#include "spice/pulse_record.h"
#include "spice/session.h"
#include "spice/status_board.h"

typedef struct _SpiceSession SpiceSession;
typedef struct _SpiceChannel SpiceChannel;
typedef struct _SpiceMainChannel SpiceMainChannel;
typedef struct _SpicePlaybackChannel SpicePlaybackChannel;
typedef struct _SpiceRecordChannel SpiceRecordChannel;

namespace kagami::spice {

class Session::Impl {
 public:
  Impl(SessionOptions options, SpiceAddress address);
  ~Impl();  // tears down on the loop thread, then stops it

  GlibLoop& loop() { return *loop_; }
  StatusBoard& status() { return status_; }
  InputSender& input() { return input_; }  // loop thread only
  ClipboardBridge& clipboard() { return clipboard_; }
  void request_mouse_mode(MouseMode mode);
  void set_volume(uint32_t percent);
  void set_mute(bool mute);
  void set_microphone(bool on);

 private:
  void connect();     // a new SpiceSession, connecting
  void disconnect();  // releases held input, drops the SpiceSession
  void schedule_reconnect(const std::string& why);
  void connection_failed(const std::string& why);

  static void on_channel_new(SpiceSession*, SpiceChannel* channel, void* self);
  static void on_channel_destroy(SpiceSession*, SpiceChannel* channel, void* self);
  static void on_main_event(SpiceChannel* channel, int event, void* self);
  static void on_inputs_event(SpiceChannel* channel, int event, void* self);
  static void on_mouse_mode(SpiceMainChannel* main, void* pspec, void* self);
  static void on_agent_connected(SpiceMainChannel* main, void* pspec, void* self);
  static void on_playback_start(SpicePlaybackChannel*, int format, int channels, int rate, void* self);
  static void on_playback_data(SpicePlaybackChannel*, const uint8_t* data, int size, void* self);
  static void on_playback_stop(SpicePlaybackChannel*, void* self);
  static void on_playback_get_delay(SpicePlaybackChannel* channel, void* self);
  static void on_playback_volume(SpicePlaybackChannel* channel, void* pspec, void* self);
  static void on_record_start(SpiceRecordChannel*, int format, int channels, int rate, void* self);
  static void on_record_stop(SpiceRecordChannel*, void* self);

  PulseContext* pulse();  // connects on first use; nullptr (logged) if there is no sound server
  void start_record();    // opens the host microphone for the guest's record stream

  SessionOptions options_;
  SpiceAddress address_;
  StatusBoard status_;
  InputSender input_;
  ClipboardBridge clipboard_;

  SpiceSession* session_ = nullptr;
  SpiceMainChannel* main_ = nullptr;
  SpiceChannel* inputs_ = nullptr;
  SpicePlaybackChannel* playback_channel_ = nullptr;
  SpiceRecordChannel* record_channel_ = nullptr;
  unsigned reconnect_timer_ = 0;  // GLib source ids on the default context; removed in ~Impl
  unsigned disconnect_idle_ = 0;
  bool auth_failed_ = false;
  // Reconnect failures are logged once, then once a minute (schedule_reconnect).
  static constexpr uint64_t kFailureReminderNs = 60'000'000'000;
  uint32_t failures_in_a_row_ = 0;
  std::string last_failure_;
  uint64_t last_failure_log_ns_ = 0;
  std::optional<MouseMode> wanted_mouse_mode_;

  std::unique_ptr<PulseContext> pulse_;
  bool pulse_failed_ = false;
  std::unique_ptr<PulsePlayback> playback_;
  std::unique_ptr<PulseRecord> record_;
  uint32_t volume_percent_ = 100;
  bool mute_ = false;
  bool microphone_ = false;       // the user allows it (starts as AudioOptions::record)
  bool guest_recording_ = false;  // between record-start and record-stop
  int record_rate_ = 0, record_channels_ = 0;

  std::unique_ptr<GlibLoop> loop_;  // last: started once everything above exists
};

}  // namespace kagami::spice
