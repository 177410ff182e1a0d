#include "spice/pulse_record.h"

#include <pulse/pulseaudio.h>

namespace kagami::spice {

PulseRecord::PulseRecord(const PulseContext& pulse, AudioOptions options, BlockSink sink)
    : pulse_(pulse), options_(std::move(options)), sink_(std::move(sink)) {}

PulseRecord::~PulseRecord() { stop(); }

Result<void> PulseRecord::start(uint32_t rate, uint32_t channels) {
  stop();
  PulseLock lock(pulse_);
  pa_sample_spec spec{PA_SAMPLE_S16LE, rate, static_cast<uint8_t>(channels)};
  if (!pa_sample_spec_valid(&spec)) {
    return Error{"the SPICE server asked for an unsupported microphone format (" + std::to_string(rate) +
                 " Hz, " + std::to_string(channels) + " channels)"};
  }
  stream_ = pa_stream_new(pulse_.context(), "guest microphone", &spec, nullptr);
  pa_stream_set_read_callback(stream_, &on_read, this);
  pa_buffer_attr attr{};
  attr.maxlength = static_cast<uint32_t>(-1);
  attr.fragsize = static_cast<uint32_t>(size_t{rate} * channels * 2 / 100);  // 10 ms blocks
  if (pa_stream_connect_record(stream_, options_.source.empty() ? nullptr : options_.source.c_str(), &attr,
                               PA_STREAM_ADJUST_LATENCY) < 0) {
    std::string why = pa_strerror(pa_context_errno(pulse_.context()));
    pa_stream_unref(stream_);
    stream_ = nullptr;
    return Error{"cannot open the microphone '" + options_.source + "': " + why};
  }
  return {};
}

void PulseRecord::stop() {
  if (!stream_) return;
  PulseLock lock(pulse_);
  pa_stream_set_read_callback(stream_, nullptr, nullptr);
  pa_stream_disconnect(stream_);
  pa_stream_unref(stream_);
  stream_ = nullptr;
}

void PulseRecord::on_read(pa_stream* stream, size_t, void* self_ptr) {
  auto* self = static_cast<PulseRecord*>(self_ptr);
  const void* data = nullptr;
  size_t bytes = 0;
  while (pa_stream_readable_size(stream) > 0) {
    if (pa_stream_peek(stream, &data, &bytes) < 0 || bytes == 0) return;
    if (data) {
      const auto* begin = static_cast<const uint8_t*>(data);
      self->sink_(std::vector<uint8_t>(begin, begin + bytes));
    }
    pa_stream_drop(stream);  // data == nullptr with bytes > 0 is a hole: skip it
  }
}

}  // namespace kagami::spice
