#pragma once
// An Agent running on its own thread for the lifetime of the object (the capture thread; the
// agent starts its own timer thread). finished_within() tells a run that ended by itself.
#include <atomic>
#include <chrono>
#include <future>
#include <span>
#include <thread>

#include "agent/agent.h"
#include "agent/guest_info.h"

namespace kagami::testing {

class RunningAgent {
 public:
  RunningAgent(std::span<std::byte> region, capture::CaptureBackend& backend, agent::AgentConfig config = {})
      : agent_(agent::AgentRegion{region, -1}, backend, agent::collect_guest_info(backend.name()), config) {
    done_ = finished_.get_future();
    thread_ = std::thread([this] {
      result_ = agent_.run(stop_);
      finished_.set_value();
    });
  }
  ~RunningAgent() { stop(); }
  RunningAgent(const RunningAgent&) = delete;
  RunningAgent& operator=(const RunningAgent&) = delete;

  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  // True when run() returned by itself within `limit` (no stop was asked for).
  bool finished_within(std::chrono::milliseconds limit) {
    return done_.wait_for(limit) == std::future_status::ready;
  }
  agent::Agent& agent() { return agent_; }
  const Result<void>& result() const { return result_; }  // after stop() or finished_within()

 private:
  agent::Agent agent_;
  std::atomic<bool> stop_{false};
  Result<void> result_;
  std::promise<void> finished_;
  std::future<void> done_;
  std::thread thread_;
};

}  // namespace kagami::testing
