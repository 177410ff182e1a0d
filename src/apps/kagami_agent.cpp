// kagami-agent: runs in the guest, captures the screen and publishes it into the ivshmem region
// for kagami-client or a Looking Glass B7 client; with several --output, one region per output.
// Options and wiring only; the loops are agent/, and what differs between Linux and Windows is
// behind agent_platform.h.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <csignal>
#include <string>
#include <variant>
#include <vector>

#include "agent/agent.h"
#include "agent/exit_codes.h"
#include "agent/live_publisher.h"
#include "agent/multi_output.h"
#include "agent/output_args.h"
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

// One output's command line, parsed: its platform (region, capture) and the shared options.
struct ParsedLine {
  std::unique_ptr<apps::AgentPlatform> platform;
  unsigned fps_max = 0;
  std::string log_level = "info";
};

// Parses one single-output command line; an exit code when parsing ends the program (--help,
// --version, a usage error).
std::variant<ParsedLine, int> parse_line(const std::vector<std::string>& arguments) {
  CLI::App app{
      "kagami-agent: captures this machine's screen and publishes it into shared memory (Looking Glass B7 "
      "format: LGMP v6 + KVMFR v20) for kagami-client on the host.",
      "kagami-agent"};
  app.set_version_flag("--version", "kagami-agent " KAGAMI_VERSION);
  ParsedLine parsed;
  parsed.platform = apps::make_agent_platform();
  parsed.platform->add_options(app);
  app.add_option("--fps-max", parsed.fps_max,
                 "Publish at most N frames per second; 0 = as fast as the screen changes")
      ->capture_default_str();
  app.add_option("--log-level", parsed.log_level, "trace, debug, info, warn, error or off")
      ->capture_default_str()
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));
  try {
    std::vector<std::string> reversed(arguments.rbegin(), arguments.rend());  // CLI11 takes them backwards
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? agent::kExitOk : agent::kExitUsage;
  }
  spdlog::set_level(spdlog::level::from_str(parsed.log_level));
  if (auto r = parsed.platform->check_options(); !r) {
    spdlog::error("{}", r.error().message);
    return agent::kExitUsage;
  }
  return parsed;
}

// Opens the line's region and makes sure no other agent publishes into it; an exit code if not.
std::variant<std::unique_ptr<shm::Region>, int> take_region(apps::AgentPlatform& platform) {
  auto region = platform.open_region();
  if (!region) {
    spdlog::error("{}", region.error().message);
    return agent::kExitNoSharedMemory;
  }
  // One agent per region: a second one would fight the first (viewers reconnect every second).
  if (auto claimed = platform.claim_region(**region); !claimed) {
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
  spdlog::info("shared memory: {}", (*region)->describe());
  for (const auto& note : (*region)->notes()) spdlog::warn("{}", note);
  return std::move(*region);
}

int run_single(ParsedLine& line) {
  auto taken = take_region(*line.platform);
  if (auto* code = std::get_if<int>(&taken)) return *code;
  auto& region = std::get<std::unique_ptr<shm::Region>>(taken);
  auto source = line.platform->open_capture();
  if (!source) {
    spdlog::error("{}", source.error().message);
    return agent::kExitError;
  }
  agent::AgentConfig config;
  config.fps_max = line.fps_max;
  shm::Region* mapped = region.get();
  agent::Agent loop(
      agent::AgentRegion{mapped->bytes(), mapped->fd(), [mapped] { return mapped->current_file_size(); }},
      **source, line.platform->guest_info((*source)->name()), config);
  auto result = loop.run(g_stop);
  log_summary(loop.stats());
  if (!result) {
    spdlog::error("{}", result.error().message);
    return loop.region_shrank() ? agent::kExitRegionShrank : agent::kExitError;
  }
  return agent::kExitOk;
}

// Several outputs: every region is taken before anything runs (a wrong region is a start-up
// error); after that each output lives on its own (agent/multi_output.h).
int run_multi(std::vector<ParsedLine>& lines, const std::vector<std::string>& labels) {
  std::vector<std::unique_ptr<shm::Region>> regions;
  std::vector<agent::OutputSlot> slots;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    auto taken = take_region(*lines[i].platform);
    if (auto* code = std::get_if<int>(&taken)) return *code;
    regions.push_back(std::move(std::get<std::unique_ptr<shm::Region>>(taken)));
    apps::AgentPlatform* platform = lines[i].platform.get();
    agent::OutputSlot slot;
    slot.label = fmt::format("{} -> {}", labels[i], regions.back()->describe());
    shm::Region* mapped = regions.back().get();
    slot.region =
        agent::AgentRegion{mapped->bytes(), mapped->fd(), [mapped] { return mapped->current_file_size(); }};
    slot.open_capture = [platform] { return platform->open_capture(); };
    slot.guest_info = [platform](std::string_view name) { return platform->guest_info(name); };
    slots.push_back(std::move(slot));
  }
  agent::AgentConfig config;
  config.fps_max = lines.front().fps_max;
  agent::MultiOutputRunner runner(std::move(slots), config);
  spdlog::info("serving {} outputs, each into its own region", runner.size());
  runner.run(g_stop);
  return agent::kExitOk;
}

// The value of the line's --output (for logs).
std::string output_label(const std::vector<std::string>& line) {
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (line[i] == "--output" && i + 1 < line.size()) return line[i + 1];
    if (line[i].rfind("--output=", 0) == 0) return line[i].substr(9);
  }
  return "output";
}

int run_agent(const std::vector<std::string>& arguments) {
  auto split = agent::split_outputs(arguments);
  if (!split) {
    spdlog::error("{}", split.error().message);
    return agent::kExitUsage;
  }
  std::vector<ParsedLine> lines;
  std::vector<std::string> labels;
  for (const auto& line : *split) {
    auto parsed = parse_line(line);
    if (auto* code = std::get_if<int>(&parsed)) return *code;
    lines.push_back(std::move(std::get<ParsedLine>(parsed)));
    labels.push_back(output_label(line));
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  return lines.size() == 1 ? run_single(lines.front()) : run_multi(lines, labels);
}

}  // namespace

int main(int argc, char** argv) { return apps::agent_entry(argc, argv, run_agent); }
