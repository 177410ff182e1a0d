#pragma once
// One agent process, several guest outputs: one Agent (capture + publish loop + heartbeat) per
// output, each into its own region and on its own thread. Every region stays an independent
// LGMP/KVMFR session, so one output's capture failure, restart or stop never disturbs another
// (docs/agent.md, "Several outputs").
//
// Threads: run() (the caller's thread) waits for `stop`; each output has a thread of its own
// that opens the capture, runs its Agent and starts it again after a failure. stop_output() and
// start_output() may be called from any thread.
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "agent/agent.h"
#include "capture/capture.h"
#include "common/result.h"

namespace kagami::agent {

struct OutputSlot {
  std::string label;   // for logs, e.g. "HDMI-1 -> /dev/shm/kagami-2"
  AgentRegion region;  // mapped by the caller; outlives the runner
  // Opens and starts this output's capture; called on the output's thread, again after a failure.
  std::function<Result<std::unique_ptr<capture::CaptureBackend>>()> open_capture;
  std::function<protocol::GuestInfo(std::string_view capture_name)> guest_info;
};

class MultiOutputRunner {
 public:
  MultiOutputRunner(std::vector<OutputSlot> slots, AgentConfig config,
                    std::chrono::milliseconds retry = std::chrono::seconds(1));
  ~MultiOutputRunner();  // stops every output and joins its thread

  // Starts every output's thread and returns when `stop` becomes true, after all have stopped.
  void run(const std::atomic<bool>& stop);

  // Stops one output's loop (its heartbeat ends, so its viewers report the agent stopped) or
  // lets it run again (a new session); the other outputs go on untouched.
  void stop_output(std::size_t index);
  void start_output(std::size_t index);

  std::size_t size() const { return outputs_.size(); }
  std::uint64_t runs(std::size_t index) const;  // how often this output's Agent was started

 private:
  struct Output {
    OutputSlot slot;
    std::atomic<bool> stop{false};  // the running Agent's stop flag
    bool paused = false;            // under mutex_
    std::uint64_t runs = 0;         // under mutex_
    std::jthread thread;
  };
  void serve(Output& output, std::stop_token token);
  // Waits up to `delay` (or while paused); false when the runner is stopping.
  bool wait(Output& output, std::stop_token token, std::chrono::milliseconds delay);

  AgentConfig config_;
  std::chrono::milliseconds retry_;
  mutable std::mutex mutex_;
  std::condition_variable_any changed_;
  std::vector<std::unique_ptr<Output>> outputs_;
};

}  // namespace kagami::agent
