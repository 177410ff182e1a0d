#pragma once
// Shared by the process tests: start a Session against a SpicePeer and wait for it to be usable.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <thread>

#include "spice/session.h"
#include "spice_peer.h"

namespace kagami::spice {

inline bool wait_status(const Session& session, const std::function<bool(const SessionStatus&)>& pred,
                        int timeout_ms = 10000) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < end) {
    if (pred(session.status())) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return pred(session.status());
}

inline SessionOptions options_for(const fixture::SpicePeer& peer) {
  SessionOptions options;
  options.uri = peer.uri();
  options.audio.playback = false;
  options.audio.record = false;
  return options;
}

inline std::unique_ptr<Session> start_session(SessionOptions options) {
  auto session = Session::start(std::move(options));
  if (!session.ok()) {
    ADD_FAILURE() << session.error().message;
    return nullptr;
  }
  return std::move(session.value());
}

}  // namespace kagami::spice
