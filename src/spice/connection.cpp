#include "spice/connection.h"

#include <spdlog/spdlog.h>
#include <spice-client.h>

#include <algorithm>

#include "common/clock.h"

namespace kagami::spice {

Session::Impl::Impl(SessionOptions options, SpiceAddress address)
    : options_(std::move(options)),
      address_(std::move(address)),
      clipboard_(options_.clipboard, status_),
      microphone_(options_.audio.record) {
  status_.update([&](SessionStatus& s) { s.microphone_on = microphone_; });
  loop_ = std::make_unique<GlibLoop>();
  loop_->invoke([this] { connect(); });
}

Session::Impl::~Impl() {
  loop_->invoke_sync([this] {
    // Sources left on the default context would outlive us (a later Session runs that context).
    if (reconnect_timer_) g_source_remove(reconnect_timer_);
    if (disconnect_idle_) g_source_remove(disconnect_idle_);
    reconnect_timer_ = disconnect_idle_ = 0;
    disconnect();
    record_.reset();
    playback_.reset();
    pulse_.reset();
  });
  loop_.reset();
}

void Session::Impl::connect() {
  reconnect_timer_ = 0;
  status_.update([](SessionStatus& s) {
    if (s.state != ConnectionState::Reconnecting) s.state = ConnectionState::Connecting;
  });
  session_ = spice_session_new();
  if (!address_.unix_path.empty()) {
    g_object_set(session_, "unix-path", address_.unix_path.c_str(), nullptr);
  } else {
    std::string port = std::to_string(address_.port);
    g_object_set(session_, "host", address_.host.c_str(), "port", port.c_str(), nullptr);
  }
  if (!options_.password.empty()) g_object_set(session_, "password", options_.password.c_str(), nullptr);
  // Without enable-audio spice-client-glib creates no playback/record channel; with it, it also
  // creates its own GStreamer audio, which leaves alone the channels we connect (on_channel_new).
  const bool audio = options_.audio.playback || options_.audio.record;
  g_object_set(session_, "enable-audio", audio, "enable-usbredir", FALSE, "enable-smartcard", FALSE, nullptr);
  g_signal_connect(session_, "channel-new", G_CALLBACK(&on_channel_new), this);
  g_signal_connect(session_, "channel-destroy", G_CALLBACK(&on_channel_destroy), this);
  if (!spice_session_connect(session_)) connection_failed("spice_session_connect refused the address");
}

void Session::Impl::disconnect() {
  if (!session_) return;
  if (input_.attached()) {
    input_.release_all();
    GlibLoop::pump_for_ms(20);  // let the releases leave before the socket closes
  }
  input_.detach();
  clipboard_.detach();
  g_signal_handlers_disconnect_by_data(session_, this);
  if (main_) g_signal_handlers_disconnect_by_data(main_, this);
  if (inputs_) g_signal_handlers_disconnect_by_data(inputs_, this);
  if (playback_channel_) g_signal_handlers_disconnect_by_data(playback_channel_, this);
  if (record_channel_) g_signal_handlers_disconnect_by_data(record_channel_, this);
  main_ = nullptr;
  inputs_ = nullptr;
  playback_channel_ = nullptr;
  record_channel_ = nullptr;
  if (playback_) playback_->stop();
  if (record_) record_->stop();
  guest_recording_ = false;
  spice_session_disconnect(session_);
  g_object_unref(session_);
  session_ = nullptr;
  status_.update([](SessionStatus& s) {
    s.inputs_ready = false;
    s.agent_connected = false;
    s.record_active = false;
  });
}

void Session::Impl::connection_failed(const std::string& why) {
  if (options_.reconnect && !auth_failed_) {
    schedule_reconnect(why);
    return;
  }
  spdlog::error("spice: {}", why);
  status_.update([&](SessionStatus& s) {
    s.state = ConnectionState::Failed;
    s.last_error = why;
  });
  // Dropping the session from inside one of its signal handlers is not safe: do it from idle.
  if (disconnect_idle_ == 0) {
    disconnect_idle_ = g_idle_add(
        [](void* self_ptr) -> gboolean {
          auto* self = static_cast<Impl*>(self_ptr);
          self->disconnect_idle_ = 0;
          self->disconnect();
          return G_SOURCE_REMOVE;
        },
        this);
  }
}

void Session::Impl::schedule_reconnect(const std::string& why) {
  if (reconnect_timer_) return;
  // A VM that is not running means a failure every reconnect_ms for as long as it is down: log the
  // first one, then a reminder a minute (the status keeps the latest reason for the window).
  const uint64_t now = monotonic_ns();
  ++failures_in_a_row_;
  if (failures_in_a_row_ == 1 || why != last_failure_ || now - last_failure_log_ns_ >= kFailureReminderNs) {
    if (failures_in_a_row_ == 1 || why != last_failure_)
      spdlog::info("spice: {}; reconnecting every {} ms", why, options_.reconnect_ms);
    else
      spdlog::info("spice: still {} after {} attempts; reconnecting every {} ms", why, failures_in_a_row_,
                   options_.reconnect_ms);
    last_failure_ = why;
    last_failure_log_ns_ = now;
  } else {
    spdlog::debug("spice: {}; reconnecting", why);
  }
  status_.update([&](SessionStatus& s) {
    s.state = ConnectionState::Reconnecting;
    s.last_error = why;
    ++s.reconnects;
  });
  reconnect_timer_ = g_timeout_add(
      options_.reconnect_ms,
      [](void* self_ptr) -> gboolean {
        auto* self = static_cast<Impl*>(self_ptr);
        self->disconnect();
        self->connect();
        return G_SOURCE_REMOVE;
      },
      this);
}

void Session::Impl::request_mouse_mode(MouseMode mode) {
  wanted_mouse_mode_ = mode;
  if (main_) {
    spice_main_channel_request_mouse_mode(
        main_, mode == MouseMode::Client ? SPICE_MOUSE_MODE_CLIENT : SPICE_MOUSE_MODE_SERVER);
  }
}

void Session::Impl::on_channel_new(SpiceSession*, SpiceChannel* channel, void* self_ptr) {
  auto* self = static_cast<Impl*>(self_ptr);
  if (SPICE_IS_MAIN_CHANNEL(channel)) {
    self->main_ = SPICE_MAIN_CHANNEL(channel);
    g_signal_connect(channel, "channel-event", G_CALLBACK(&on_main_event), self);
    g_signal_connect(channel, "notify::mouse-mode", G_CALLBACK(&on_mouse_mode), self);
    g_signal_connect(channel, "notify::agent-connected", G_CALLBACK(&on_agent_connected), self);
    self->clipboard_.attach(self->main_);
    return;  // spice_session_connect connects the main channel itself
  }
  if (SPICE_IS_INPUTS_CHANNEL(channel)) {
    self->inputs_ = channel;
    g_signal_connect(channel, "channel-event", G_CALLBACK(&on_inputs_event), self);
  } else if (SPICE_IS_PLAYBACK_CHANNEL(channel)) {
    // Connected even when disabled: spice-client-glib's built-in GStreamer audio takes over any
    // audio channel still unconnected after channel-new (~320 ms latency, or an unwanted microphone).
    if (self->options_.audio.playback) {
      self->playback_channel_ = SPICE_PLAYBACK_CHANNEL(channel);
      g_signal_connect(channel, "playback-start", G_CALLBACK(&on_playback_start), self);
      g_signal_connect(channel, "playback-data", G_CALLBACK(&on_playback_data), self);
      g_signal_connect(channel, "playback-stop", G_CALLBACK(&on_playback_stop), self);
      g_signal_connect(channel, "playback-get-delay", G_CALLBACK(&on_playback_get_delay), self);
      g_signal_connect(channel, "notify::volume", G_CALLBACK(&on_playback_volume), self);
      g_signal_connect(channel, "notify::mute", G_CALLBACK(&on_playback_volume), self);
    }
  } else if (SPICE_IS_RECORD_CHANNEL(channel)) {
    // Always followed: the user may allow the microphone later (Session::set_microphone). While
    // it is off the channel is connected but never fed: the guest hears silence.
    self->record_channel_ = SPICE_RECORD_CHANNEL(channel);
    g_signal_connect(channel, "record-start", G_CALLBACK(&on_record_start), self);
    g_signal_connect(channel, "record-stop", G_CALLBACK(&on_record_stop), self);
  } else if (SPICE_IS_PORT_CHANNEL(channel)) {
    // Named ports (e.g. org.spice-space.webdav.0, QEMU's monitor) are connected so the guest sees
    // a client; kagami does not use their data yet.
  } else {
    return;  // display, cursor, usbredir, smartcard: kagami shows frames from shared memory
  }
  spice_channel_connect(channel);
}

void Session::Impl::on_channel_destroy(SpiceSession*, SpiceChannel* channel, void* self_ptr) {
  auto* self = static_cast<Impl*>(self_ptr);
  if (channel == self->inputs_) {
    self->input_.detach();
    self->inputs_ = nullptr;
    self->status_.update([](SessionStatus& s) { s.inputs_ready = false; });
  } else if (channel == SPICE_CHANNEL(self->main_)) {
    self->clipboard_.detach();
    self->main_ = nullptr;
  } else if (self->playback_channel_ && channel == SPICE_CHANNEL(self->playback_channel_)) {
    if (self->playback_) self->playback_->stop();
    self->playback_channel_ = nullptr;
  } else if (self->record_channel_ && channel == SPICE_CHANNEL(self->record_channel_)) {
    if (self->record_) self->record_->stop();
    self->record_channel_ = nullptr;
  }
}

void Session::Impl::on_main_event(SpiceChannel*, int event, void* self_ptr) {
  auto* self = static_cast<Impl*>(self_ptr);
  switch (event) {
    case SPICE_CHANNEL_OPENED:
      spdlog::info("spice: connected");
      self->failures_in_a_row_ = 0;
      self->last_failure_.clear();
      self->status_.update([](SessionStatus& s) {
        s.state = ConnectionState::Connected;
        s.last_error.clear();
      });
      if (self->wanted_mouse_mode_) {
        self->request_mouse_mode(*self->wanted_mouse_mode_);
      } else if (self->options_.prefer_absolute_mouse) {
        spice_main_channel_request_mouse_mode(self->main_, SPICE_MOUSE_MODE_CLIENT);
      }
      break;
    case SPICE_CHANNEL_ERROR_AUTH:
      self->auth_failed_ = true;
      self->connection_failed("the SPICE server rejected the password (check --spice-password)");
      break;
    case SPICE_CHANNEL_CLOSED:
      self->connection_failed("the SPICE server closed the connection");
      break;
    case SPICE_CHANNEL_ERROR_CONNECT:
      self->connection_failed("cannot connect to the SPICE server (is the VM running with -spice?)");
      break;
    case SPICE_CHANNEL_ERROR_TLS:
    case SPICE_CHANNEL_ERROR_LINK:
    case SPICE_CHANNEL_ERROR_IO:
      self->connection_failed("the SPICE connection failed (I/O or protocol error)");
      break;
    default:
      break;
  }
}

void Session::Impl::on_inputs_event(SpiceChannel* channel, int event, void* self_ptr) {
  auto* self = static_cast<Impl*>(self_ptr);
  if (event == SPICE_CHANNEL_OPENED) {
    self->input_.attach(SPICE_INPUTS_CHANNEL(channel));
    self->status_.update([](SessionStatus& s) { s.inputs_ready = true; });
  } else if (event != SPICE_CHANNEL_NONE) {
    self->input_.detach();
    self->status_.update([](SessionStatus& s) { s.inputs_ready = false; });
  }
}

void Session::Impl::on_mouse_mode(SpiceMainChannel* main, void*, void* self_ptr) {
  gint mode = 0;
  g_object_get(main, "mouse-mode", &mode, nullptr);
  static_cast<Impl*>(self_ptr)->status_.update([mode](SessionStatus& s) {
    s.mouse_mode = mode == SPICE_MOUSE_MODE_CLIENT ? MouseMode::Client : MouseMode::Server;
  });
}

void Session::Impl::on_agent_connected(SpiceMainChannel* main, void*, void* self_ptr) {
  gboolean connected = FALSE;
  g_object_get(main, "agent-connected", &connected, nullptr);
  static_cast<Impl*>(self_ptr)->status_.update(
      [connected](SessionStatus& s) { s.agent_connected = connected; });
}

PulseContext* Session::Impl::pulse() {
  if (!pulse_ && !pulse_failed_) {
    auto pulse = PulseContext::connect(options_.audio.pulse_server, "kagami-client");
    if (!pulse) {
      pulse_failed_ = true;  // do not retry per stream start; the log says why once
      spdlog::error("spice audio: {}", pulse.error().message);
      status_.update([&](SessionStatus& s) { s.last_error = pulse.error().message; });
      return nullptr;
    }
    pulse_ = std::move(pulse.value());
  }
  return pulse_.get();
}

void Session::Impl::on_playback_start(SpicePlaybackChannel*, int format, int channels, int rate,
                                      void* self_ptr) {
  auto* self = static_cast<Impl*>(self_ptr);
  if (format != SPICE_AUDIO_FMT_S16) {
    spdlog::error("spice audio: unsupported playback sample format {}", format);
    return;
  }
  PulseContext* pulse = self->pulse();
  if (!pulse) return;
  if (!self->playback_) {
    self->playback_ = std::make_unique<PulsePlayback>(*pulse, self->options_.audio, self->status_);
    self->playback_->set_user_volume(self->volume_percent_, self->mute_);
  }
  auto started = self->playback_->start(static_cast<uint32_t>(rate), static_cast<uint32_t>(channels));
  if (!started) spdlog::error("spice audio: {}", started.error().message);
}

void Session::Impl::on_playback_data(SpicePlaybackChannel*, const uint8_t* data, int size, void* self_ptr) {
  auto* self = static_cast<Impl*>(self_ptr);
  if (self->playback_ && size > 0) self->playback_->write(data, static_cast<size_t>(size));
}

void Session::Impl::on_playback_stop(SpicePlaybackChannel*, void* self_ptr) {
  auto* self = static_cast<Impl*>(self_ptr);
  if (self->playback_) self->playback_->stop();
}

void Session::Impl::on_playback_get_delay(SpicePlaybackChannel* channel, void* self_ptr) {
  auto* self = static_cast<Impl*>(self_ptr);
  // The server uses this for audio/video sync.
  if (self->playback_) spice_playback_channel_set_delay(channel, self->playback_->latency_ms());
}

void Session::Impl::on_playback_volume(SpicePlaybackChannel* channel, void*, void* self_ptr) {
  auto* self = static_cast<Impl*>(self_ptr);
  if (!self->playback_) return;
  gpointer volume = nullptr;
  guint nchannels = 0;
  gboolean mute = FALSE;
  g_object_get(channel, "volume", &volume, "nchannels", &nchannels, "mute", &mute, nullptr);
  const auto* values = static_cast<const uint16_t*>(volume);
  if (values && nchannels > 0) self->playback_->set_volume(std::vector<uint16_t>(values, values + nchannels));
  self->playback_->set_mute(mute);
}

void Session::Impl::on_record_start(SpiceRecordChannel*, int format, int channels, int rate, void* self_ptr) {
  auto* self = static_cast<Impl*>(self_ptr);
  if (format != SPICE_AUDIO_FMT_S16) {
    spdlog::error("spice audio: unsupported record sample format {}", format);
    return;
  }
  self->guest_recording_ = true;
  self->record_rate_ = rate;
  self->record_channels_ = channels;
  if (self->microphone_) self->start_record();
}

void Session::Impl::start_record() {
  PulseContext* pulse = this->pulse();
  if (!pulse) return;
  if (!record_) {
    // PulseAudio thread → GLib thread: spice-client-glib must only be called from its own thread.
    record_ = std::make_unique<PulseRecord>(*pulse, options_.audio, [this](std::vector<uint8_t> block) {
      loop_->invoke([this, block = std::move(block)]() mutable {
        if (!record_channel_ || !microphone_) return;
        const auto time_ms = static_cast<guint32>(monotonic_ns() / 1'000'000);
        spice_record_channel_send_data(record_channel_, block.data(), block.size(), time_ms);
        status_.update([&](SessionStatus& s) { s.record_bytes_sent += block.size(); });
      });
    });
  }
  auto started = record_->start(static_cast<uint32_t>(record_rate_), static_cast<uint32_t>(record_channels_));
  if (!started) {
    spdlog::error("spice audio: {}", started.error().message);
    return;
  }
  status_.update([](SessionStatus& s) { s.record_active = true; });
}

void Session::Impl::on_record_stop(SpiceRecordChannel*, void* self_ptr) {
  auto* self = static_cast<Impl*>(self_ptr);
  self->guest_recording_ = false;
  if (self->record_) self->record_->stop();
  self->status_.update([](SessionStatus& s) { s.record_active = false; });
}

void Session::Impl::set_microphone(bool on) {
  if (on == microphone_) return;
  microphone_ = on;
  status_.update([on](SessionStatus& s) { s.microphone_on = on; });
  if (on && guest_recording_) {
    start_record();
  } else if (!on && record_) {
    record_->stop();
    status_.update([](SessionStatus& s) { s.record_active = false; });
  }
}

void Session::Impl::set_volume(uint32_t percent) {
  volume_percent_ = std::min<uint32_t>(percent, 100);
  status_.update([this](SessionStatus& s) { s.volume_percent = volume_percent_; });
  if (playback_) playback_->set_user_volume(volume_percent_, mute_);
}

void Session::Impl::set_mute(bool mute) {
  mute_ = mute;
  status_.update([mute](SessionStatus& s) { s.muted = mute; });
  if (playback_) playback_->set_user_volume(volume_percent_, mute_);
}

}  // namespace kagami::spice
