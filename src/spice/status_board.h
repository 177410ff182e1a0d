#pragma once
// The session's SessionStatus, written by the GLib and PulseAudio threads, read by any thread.
#include <mutex>

#include "spice/status.h"

namespace kagami::spice {

class StatusBoard {
 public:
  template <class F>
  void update(F&& change) {
    std::lock_guard lock(mutex_);
    change(status_);
  }
  SessionStatus snapshot() const {
    std::lock_guard lock(mutex_);
    return status_;
  }

 private:
  mutable std::mutex mutex_;
  SessionStatus status_;
};

}  // namespace kagami::spice
