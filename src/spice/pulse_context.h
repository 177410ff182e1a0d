#pragma once
// One connection to the PulseAudio server (or PipeWire's pulse server) with its own thread
// (pa_threaded_mainloop). Streams created on it must be used under lock() (see PulseLock).
#include <memory>
#include <string>

#include "common/result.h"

struct pa_threaded_mainloop;
struct pa_context;

namespace kagami::spice {

class PulseContext {
 public:
  // Connects (waits up to 3 s). server "" = the default server.
  static Result<std::unique_ptr<PulseContext>> connect(const std::string& server, const char* client_name);
  ~PulseContext();

  pa_threaded_mainloop* mainloop() const { return mainloop_; }
  pa_context* context() const { return context_; }

 private:
  PulseContext() = default;
  pa_threaded_mainloop* mainloop_ = nullptr;
  pa_context* context_ = nullptr;
};

// RAII lock of a PulseContext's mainloop (PulseAudio's threaded-mainloop rule for any call
// from outside its thread).
class PulseLock {
 public:
  explicit PulseLock(const PulseContext& pulse);
  ~PulseLock();
  PulseLock(const PulseLock&) = delete;
  PulseLock& operator=(const PulseLock&) = delete;

 private:
  pa_threaded_mainloop* mainloop_;
};

}  // namespace kagami::spice
