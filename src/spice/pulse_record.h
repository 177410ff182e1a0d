#pragma once
// The host microphone → the SPICE record channel. A PulseAudio record stream with 10 ms
// fragments; each fragment is copied and handed to the GLib thread (spice-client-glib is not
// thread-safe) through the given sink function. Off unless AudioOptions::record.
#include <cstdint>
#include <functional>
#include <vector>

#include "common/result.h"
#include "spice/options.h"
#include "spice/pulse_context.h"

struct pa_stream;

namespace kagami::spice {

class PulseRecord {
 public:
  // Called on the PulseAudio thread with each captured block (S16LE interleaved).
  using BlockSink = std::function<void(std::vector<uint8_t>)>;

  PulseRecord(const PulseContext& pulse, AudioOptions options, BlockSink sink);
  ~PulseRecord();

  Result<void> start(uint32_t rate, uint32_t channels);
  void stop();

 private:
  static void on_read(pa_stream* stream, size_t bytes, void* self);

  const PulseContext& pulse_;
  AudioOptions options_;
  BlockSink sink_;
  pa_stream* stream_ = nullptr;
};

}  // namespace kagami::spice
