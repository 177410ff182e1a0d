#include "spice/pulse_context.h"

#include <pulse/pulseaudio.h>

#include <memory>

namespace kagami::spice {

PulseLock::PulseLock(const PulseContext& pulse) : mainloop_(pulse.mainloop()) {
  pa_threaded_mainloop_lock(mainloop_);
}
PulseLock::~PulseLock() { pa_threaded_mainloop_unlock(mainloop_); }

Result<std::unique_ptr<PulseContext>> PulseContext::connect(const std::string& server,
                                                            const char* client_name) {
  std::unique_ptr<PulseContext> pulse(new PulseContext());
  pulse->mainloop_ = pa_threaded_mainloop_new();
  pulse->context_ = pa_context_new(pa_threaded_mainloop_get_api(pulse->mainloop_), client_name);
  pa_context_set_state_callback(
      pulse->context_,
      [](pa_context*, void* loop) {
        pa_threaded_mainloop_signal(static_cast<pa_threaded_mainloop*>(loop), 0);
      },
      pulse->mainloop_);
  const char* where = server.empty() ? "the default PulseAudio server" : server.c_str();
  if (pa_context_connect(pulse->context_, server.empty() ? nullptr : server.c_str(), PA_CONTEXT_NOAUTOSPAWN,
                         nullptr) < 0) {
    return Error{std::string("cannot connect to ") + where + ": " +
                 pa_strerror(pa_context_errno(pulse->context_)) +
                 ". Is PulseAudio or pipewire-pulse running? Or disable audio (--spice-audio=false)"};
  }
  pa_threaded_mainloop_start(pulse->mainloop_);
  PulseLock lock(*pulse);
  for (;;) {
    pa_context_state_t state = pa_context_get_state(pulse->context_);
    if (state == PA_CONTEXT_READY) break;
    if (!PA_CONTEXT_IS_GOOD(state)) {
      return Error{std::string("cannot connect to ") + where + ": " +
                   pa_strerror(pa_context_errno(pulse->context_)) +
                   ". Is PulseAudio or pipewire-pulse running? Or disable audio"};
    }
    pa_threaded_mainloop_wait(pulse->mainloop_);
  }
  return pulse;
}

PulseContext::~PulseContext() {
  if (mainloop_) pa_threaded_mainloop_stop(mainloop_);
  if (context_) {
    pa_context_disconnect(context_);
    pa_context_unref(context_);
  }
  if (mainloop_) pa_threaded_mainloop_free(mainloop_);
}

}  // namespace kagami::spice
