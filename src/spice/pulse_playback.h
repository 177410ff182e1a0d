#pragma once
// The guest's sound (SPICE playback-data) → a PulseAudio playback stream with a small buffer that
// adapts: it starts at AudioOptions::target_ms, grows 5 ms on each underrun up to max_ms, and
// shrinks 5 ms back towards target_ms after 10 s without one. Blocks arriving while our queue in
// the sound server is already over that buffer + 15 ms are dropped (an overrun), so a burst of late data
// cannot leave latency behind for good. Called on the GLib thread; PulseAudio runs its own.
#include <cstdint>
#include <memory>
#include <vector>

#include "common/result.h"
#include "spice/options.h"
#include "spice/pulse_context.h"
#include "spice/status_board.h"

struct pa_stream;

namespace kagami::spice {

class PulsePlayback {
 public:
  PulsePlayback(const PulseContext& pulse, AudioOptions options, StatusBoard& status);
  ~PulsePlayback();

  Result<void> start(uint32_t rate, uint32_t channels);  // S16LE interleaved (SPICE's only format)
  void write(const uint8_t* data, size_t bytes);
  void stop();

  // Guest volume per channel (0..65535, linear) and mute, as the SPICE channel reports them.
  void set_volume(const std::vector<uint16_t>& volume);
  void set_mute(bool mute);
  // The user's volume (percent, linear) and mute, applied on top of the guest's.
  void set_user_volume(uint32_t percent, bool mute);

  uint32_t latency_ms() const;  // the stream's current total latency, for playback-get-delay

 private:
  static void on_underflow(pa_stream* stream, void* self);
  void apply_buffer_ms(uint32_t ms);  // under the PulseAudio lock
  void apply_volume();                // under the PulseAudio lock, stream open
  size_t bytes_for_ms(uint32_t ms) const;

  const PulseContext& pulse_;
  AudioOptions options_;
  StatusBoard& status_;
  pa_stream* stream_ = nullptr;
  uint32_t rate_ = 0;
  uint32_t channels_ = 0;
  uint32_t buffer_ms_ = 0;
  uint64_t last_underrun_ns_ = 0;
  std::vector<uint16_t> volume_;
  bool mute_ = false;
  uint32_t user_percent_ = 100;
  bool user_mute_ = false;
};

}  // namespace kagami::spice
