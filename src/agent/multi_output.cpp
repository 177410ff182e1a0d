#include "agent/multi_output.h"

#include <spdlog/spdlog.h>

namespace kagami::agent {

MultiOutputRunner::MultiOutputRunner(std::vector<OutputSlot> slots, AgentConfig config,
                                     std::chrono::milliseconds retry)
    : config_(config), retry_(retry) {
  for (auto& slot : slots) {
    auto output = std::make_unique<Output>();
    output->slot = std::move(slot);
    outputs_.push_back(std::move(output));
  }
}

MultiOutputRunner::~MultiOutputRunner() {
  for (auto& o : outputs_) {
    o->thread.request_stop();
    o->stop = true;
  }
  changed_.notify_all();
  for (auto& o : outputs_) {
    if (o->thread.joinable()) o->thread.join();
  }
}

bool MultiOutputRunner::wait(Output& output, std::stop_token token, std::chrono::milliseconds delay) {
  std::unique_lock lock(mutex_);
  const auto until = std::chrono::steady_clock::now() + delay;
  changed_.wait_until(lock, token, until, [&] { return false; });
  changed_.wait(lock, token, [&] { return !output.paused; });
  return !token.stop_requested();
}

void MultiOutputRunner::serve(Output& output, std::stop_token token) {
  const std::string& label = output.slot.label;
  bool reported = false;  // a capture that cannot start is logged once, then retried quietly
  while (wait(output, token, std::chrono::milliseconds(0))) {
    {
      // A stop_output() from here on stops the Agent below at once.
      std::lock_guard lock(mutex_);
      if (output.paused) continue;
      output.stop = token.stop_requested();
    }
    auto backend = output.slot.open_capture();
    if (!backend) {
      if (!reported)
        spdlog::error("[{}] {} (retrying every {} ms)", label, backend.error().message, retry_.count());
      reported = true;
      if (!wait(output, token, retry_)) break;
      continue;
    }
    reported = false;
    {
      std::lock_guard lock(mutex_);
      ++output.runs;
    }
    Agent agent(output.slot.region, **backend, output.slot.guest_info((*backend)->name()), config_);
    spdlog::info("[{}] publishing", label);
    const Result<void> result = agent.run(output.stop);
    const AgentStats stats = agent.stats();
    spdlog::info("[{}] stopped after {} frames", label, stats.frames);
    if (!result && agent.region_shrank()) {
      // Its file lost pages under it: publishing again into the same mapping cannot work (the
      // single-output agent exits 5 here). The other outputs go on.
      spdlog::error("[{}] {}; this output stays stopped", label, result.error().message);
      break;
    }
    if (!result) {
      spdlog::error("[{}] {}; starting it again in {} ms", label, result.error().message, retry_.count());
      if (!wait(output, token, retry_)) break;
    }
  }
}

void MultiOutputRunner::run(const std::atomic<bool>& stop) {
  for (auto& o : outputs_) {
    Output* output = o.get();
    output->thread = std::jthread([this, output](std::stop_token token) { serve(*output, token); });
  }
  while (!stop.load()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  for (auto& o : outputs_) {
    o->thread.request_stop();
    o->stop = true;
  }
  changed_.notify_all();
  for (auto& o : outputs_) o->thread.join();
}

void MultiOutputRunner::stop_output(std::size_t index) {
  Output& o = *outputs_.at(index);
  {
    std::lock_guard lock(mutex_);
    o.paused = true;
    o.stop = true;
  }
  changed_.notify_all();
}

void MultiOutputRunner::start_output(std::size_t index) {
  Output& o = *outputs_.at(index);
  {
    std::lock_guard lock(mutex_);
    o.paused = false;
  }
  changed_.notify_all();
}

std::uint64_t MultiOutputRunner::runs(std::size_t index) const {
  std::lock_guard lock(mutex_);
  return outputs_.at(index)->runs;
}

}  // namespace kagami::agent
