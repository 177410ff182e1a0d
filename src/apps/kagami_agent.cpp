// kagami-agent: runs in the guest, captures the screen and publishes it into the ivshmem region
// for kagami-client or a Looking Glass B7 client. Options and wiring only; the loop is agent/,
// and what differs between Linux and Windows is behind agent_platform.h.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <csignal>
#include <string>
#include <vector>

#include "agent/agent.h"
#include "agent/exit_codes.h"
#include "agent/live_publisher.h"
#include "apps/agent_platform.h"

namespace {

using namespace kagami;

std::atomic<bool> g_stop{false};

// How long a region's heartbeat is watched before it is taken: a live host ticks every 10 ms,
// so 300 ms tells a running one from a region left behind by a stopped one.
constexpr std::chrono::milliseconds kHeartbeatWatch{300};

// std::signal, not sigaction: the same on Windows, where the service's stop request arrives as
// raise(SIGTERM) from another thread (agent/windows/agent_stop.h).
extern "C" void on_signal(int) { g_stop.store(true); }

// The last line of a run: what was published and how fast the pixels went into the region.
void log_summary(const agent::AgentStats& s) {
  const double mib = static_cast<double>(s.bytes_copied) / (1 << 20);
  const double ms = static_cast<double>(s.copy_ns) / 1e6;
  spdlog::info(
      "published {} of {} captured frames ({} copied whole); pixels copied: {:.1f} MiB in {:.1f} ms ({:.2f} "
      "GiB/s); {} cursor updates",
      s.frames, s.captured, s.full_copies, mib, ms, ms > 0 ? mib / 1024 / (ms / 1000) : 0.0,
      s.cursor_updates);
}

int run_agent(const std::vector<std::string>& arguments) {
  CLI::App app{
      "kagami-agent: captures this machine's screen and publishes it into shared memory (Looking Glass B7 "
      "format: LGMP v6 + KVMFR v20) for kagami-client on the host.",
      "kagami-agent"};
  app.set_version_flag("--version", "kagami-agent " KAGAMI_VERSION);
  auto platform = apps::make_agent_platform();
  platform->add_options(app);
  unsigned fps_max = 0;
  std::string log_level = "info";
  app.add_option("--fps-max", fps_max,
                 "Publish at most N frames per second; 0 = as fast as the screen changes")
      ->capture_default_str();
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off")
      ->capture_default_str()
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));
  try {
    std::vector<std::string> reversed(arguments.rbegin(), arguments.rend());  // CLI11 takes them backwards
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? agent::kExitOk : agent::kExitUsage;
  }

  spdlog::set_level(spdlog::level::from_str(log_level));
  if (auto r = platform->check_options(); !r) {
    spdlog::error("{}", r.error().message);
    return agent::kExitUsage;
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);

  auto region = platform->open_region();
  if (!region) {
    spdlog::error("{}", region.error().message);
    return agent::kExitNoSharedMemory;
  }
  // One agent per region: a second one would fight the first (viewers reconnect every second).
  if (auto claimed = platform->claim_region(**region); !claimed) {
    spdlog::error("{}", claimed.error().message);
    return agent::kExitRegionInUse;
  }
  if (auto other = agent::find_live_publisher((*region)->bytes(), kHeartbeatWatch)) {
    spdlog::error(
        "another agent is publishing into {} right now ({}). Two agents on one region make every viewer "
        "reconnect each second: stop it first, or give each agent its own region.",
        (*region)->describe(), *other);
    return agent::kExitRegionInUse;
  }
  auto source = platform->open_capture();
  if (!source) {
    spdlog::error("{}", source.error().message);
    return agent::kExitError;
  }

  agent::AgentConfig config;
  config.fps_max = fps_max;
  shm::Region* mapped = region->get();
  agent::Agent loop(
      agent::AgentRegion{mapped->bytes(), mapped->fd(), [mapped] { return mapped->current_file_size(); }},
      **source, platform->guest_info((*source)->name()), config);
  spdlog::info("shared memory: {}", (*region)->describe());
  for (const auto& note : (*region)->notes()) spdlog::warn("{}", note);
  auto result = loop.run(g_stop);
  log_summary(loop.stats());
  if (!result) {
    spdlog::error("{}", result.error().message);
    return loop.region_shrank() ? agent::kExitRegionShrank : agent::kExitError;
  }
  return agent::kExitOk;
}

}  // namespace

int main(int argc, char** argv) { return apps::agent_entry(argc, argv, run_agent); }
