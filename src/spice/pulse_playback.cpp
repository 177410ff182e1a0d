#include "spice/pulse_playback.h"

#include <pulse/pulseaudio.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/clock.h"

namespace kagami::spice {
namespace {

constexpr uint32_t kStepMs = 5;
constexpr uint32_t kSlackMs = 15;  // SPICE sends 10 ms blocks: allow one plus jitter over the target
constexpr uint64_t kShrinkAfterNs = 10'000'000'000;

}  // namespace

PulsePlayback::PulsePlayback(const PulseContext& pulse, AudioOptions options, StatusBoard& status)
    : pulse_(pulse), options_(std::move(options)), status_(status) {}

PulsePlayback::~PulsePlayback() { stop(); }

size_t PulsePlayback::bytes_for_ms(uint32_t ms) const { return size_t{rate_} * channels_ * 2 * ms / 1000; }

Result<void> PulsePlayback::start(uint32_t rate, uint32_t channels) {
  stop();
  rate_ = rate;
  channels_ = channels;
  buffer_ms_ = std::clamp(options_.target_ms, kStepMs, std::max(options_.max_ms, kStepMs));
  last_underrun_ns_ = monotonic_ns();

  PulseLock lock(pulse_);
  pa_sample_spec spec{PA_SAMPLE_S16LE, rate, static_cast<uint8_t>(channels)};
  if (!pa_sample_spec_valid(&spec)) {
    return Error{"the SPICE server asked for an unsupported audio format (" + std::to_string(rate) + " Hz, " +
                 std::to_string(channels) + " channels)"};
  }
  stream_ = pa_stream_new(pulse_.context(), "guest playback", &spec, nullptr);
  pa_stream_set_underflow_callback(stream_, &on_underflow, this);
  pa_stream_set_state_callback(
      stream_,
      [](pa_stream*, void* loop) {
        pa_threaded_mainloop_signal(static_cast<pa_threaded_mainloop*>(loop), 0);
      },
      pulse_.mainloop());
  pa_buffer_attr attr{};
  attr.maxlength = static_cast<uint32_t>(-1);
  attr.tlength = static_cast<uint32_t>(bytes_for_ms(buffer_ms_));
  attr.prebuf = static_cast<uint32_t>(-1);  // = tlength: start (and restart after an underrun) full
  attr.minreq = static_cast<uint32_t>(bytes_for_ms(2));
  attr.fragsize = static_cast<uint32_t>(-1);
  // ADJUST_LATENCY: tlength is the whole latency including the device's, not just our queue.
  auto flags = static_cast<pa_stream_flags_t>(PA_STREAM_ADJUST_LATENCY | PA_STREAM_INTERPOLATE_TIMING |
                                              PA_STREAM_AUTO_TIMING_UPDATE);
  if (pa_stream_connect_playback(stream_, options_.sink.empty() ? nullptr : options_.sink.c_str(), &attr,
                                 flags, nullptr, nullptr) < 0) {
    std::string why = pa_strerror(pa_context_errno(pulse_.context()));
    pa_stream_unref(stream_);
    stream_ = nullptr;
    return Error{"cannot open the audio output '" + options_.sink + "': " + why};
  }
  for (;;) {
    pa_stream_state_t state = pa_stream_get_state(stream_);
    if (state == PA_STREAM_READY) break;
    if (!PA_STREAM_IS_GOOD(state)) {
      std::string why = pa_strerror(pa_context_errno(pulse_.context()));
      pa_stream_unref(stream_);
      stream_ = nullptr;
      return Error{"the audio output stream failed: " + why};
    }
    pa_threaded_mainloop_wait(pulse_.mainloop());
  }
  pa_stream_set_state_callback(stream_, nullptr, nullptr);
  apply_volume();
  status_.update([&](SessionStatus& s) {
    s.playback_active = true;
    s.playback_rate = rate;
    s.playback_channels = channels;
    s.audio_buffer_ms = buffer_ms_;
  });
  return {};
}

void PulsePlayback::stop() {
  if (!stream_) return;
  {
    PulseLock lock(pulse_);
    pa_stream_set_underflow_callback(stream_, nullptr, nullptr);
    pa_stream_disconnect(stream_);
    pa_stream_unref(stream_);
    stream_ = nullptr;
  }
  status_.update([](SessionStatus& s) { s.playback_active = false; });
}

void PulsePlayback::on_underflow(pa_stream*, void* self_ptr) {
  // PulseAudio thread, lock held.
  auto* self = static_cast<PulsePlayback*>(self_ptr);
  self->last_underrun_ns_ = monotonic_ns();
  if (self->buffer_ms_ < self->options_.max_ms) {
    self->apply_buffer_ms(std::min(self->buffer_ms_ + kStepMs, self->options_.max_ms));
  }
  self->status_.update([](SessionStatus& s) { ++s.audio_underruns; });
}

void PulsePlayback::apply_buffer_ms(uint32_t ms) {
  buffer_ms_ = ms;
  pa_buffer_attr attr = *pa_stream_get_buffer_attr(stream_);
  attr.tlength = static_cast<uint32_t>(bytes_for_ms(ms));
  attr.prebuf = static_cast<uint32_t>(-1);
  pa_operation* op = pa_stream_set_buffer_attr(stream_, &attr, nullptr, nullptr);
  if (op) pa_operation_unref(op);
  status_.update([ms](SessionStatus& s) { s.audio_buffer_ms = ms; });
}

void PulsePlayback::write(const uint8_t* data, size_t bytes) {
  if (!stream_) return;
  PulseLock lock(pulse_);
  if (pa_stream_get_state(stream_) != PA_STREAM_READY) return;
  const uint64_t now = monotonic_ns();
  if (buffer_ms_ > options_.target_ms && now - last_underrun_ns_ > kShrinkAfterNs) {
    last_underrun_ns_ = now;  // one step per quiet period
    apply_buffer_ms(std::max(buffer_ms_ - kStepMs, options_.target_ms));
  }
  // Production and consumption run at the same rate, so any excess that ever gets queued (a
  // network or scheduling hiccup delivering a burst) would stay as latency for good. Drop blocks
  // while our queue in the sound server is over the buffer target plus one block of slack. The
  // queue is the stream latency (read position interpolated to now) minus the device's latency.
  pa_usec_t latency_us = 0;
  int negative = 0;
  const pa_timing_info* timing = pa_stream_get_timing_info(stream_);
  if (timing && pa_stream_get_latency(stream_, &latency_us, &negative) == 0 && !negative) {
    const uint64_t queued_us = latency_us > timing->sink_usec ? latency_us - timing->sink_usec : 0;
    if (queued_us > (uint64_t{buffer_ms_} + kSlackMs) * 1000) {
      status_.update([](SessionStatus& s) { ++s.audio_overruns; });
      return;
    }
  }
  pa_stream_write(stream_, data, bytes, nullptr, 0, PA_SEEK_RELATIVE);
  const uint64_t frames = bytes / (size_t{channels_} * 2);
  status_.update([frames](SessionStatus& s) { s.audio_frames_played += frames; });
}

void PulsePlayback::set_volume(const std::vector<uint16_t>& volume) {
  volume_ = volume;
  if (!stream_) return;
  PulseLock lock(pulse_);
  apply_volume();
}

void PulsePlayback::set_mute(bool mute) {
  mute_ = mute;
  if (!stream_) return;
  PulseLock lock(pulse_);
  apply_volume();
}

void PulsePlayback::set_user_volume(uint32_t percent, bool mute) {
  user_percent_ = percent;
  user_mute_ = mute;
  if (!stream_) return;
  PulseLock lock(pulse_);
  apply_volume();
}

void PulsePlayback::apply_volume() {
  const uint32_t index = pa_stream_get_index(stream_);
  // The guest's per-channel volume (full until it says otherwise) times the user's.
  const double user = user_percent_ / 100.0;
  if (!volume_.empty() || user_percent_ != 100) {
    pa_cvolume cv;
    pa_cvolume_init(&cv);
    cv.channels =
        static_cast<uint8_t>(std::min<size_t>(volume_.empty() ? channels_ : volume_.size(), PA_CHANNELS_MAX));
    for (unsigned i = 0; i < cv.channels; ++i) {
      const double guest = volume_.empty() ? 1.0 : volume_[i] / 65535.0;
      cv.values[i] = pa_sw_volume_from_linear(guest * user);
    }
    pa_operation* op = pa_context_set_sink_input_volume(pulse_.context(), index, &cv, nullptr, nullptr);
    if (op) pa_operation_unref(op);
  }
  pa_operation* op =
      pa_context_set_sink_input_mute(pulse_.context(), index, mute_ || user_mute_, nullptr, nullptr);
  if (op) pa_operation_unref(op);
}

uint32_t PulsePlayback::latency_ms() const {
  if (!stream_) return 0;
  PulseLock lock(pulse_);
  pa_usec_t usec = 0;
  int negative = 0;
  if (pa_stream_get_latency(stream_, &usec, &negative) < 0 || negative) return 0;
  return static_cast<uint32_t>(usec / 1000);
}

}  // namespace kagami::spice
