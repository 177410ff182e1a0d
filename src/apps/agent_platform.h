#pragma once
// What differs between kagami-agent on Linux and kagami-agent.exe on Windows: the shared-memory
// and capture options, how the region and the capture backend are opened, the KVMFR guest
// records, and the process entry. kagami_agent.cpp holds everything shared; CMake compiles it
// with exactly one of agent_platform_linux.cpp and agent_platform_windows.cpp.
#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "capture/capture.h"
#include "common/result.h"
#include "protocol/kvmfr_udata.h"
#include "shm/region.h"

namespace kagami::apps {

class AgentPlatform {
 public:
  virtual ~AgentPlatform() = default;
  // --shm (Linux also --device), --capture and each backend's own options.
  virtual void add_options(CLI::App& app) = 0;
  // After parsing: what is wrong with the options (a usage error).
  virtual Result<void> check_options() = 0;
  // The shared memory the options name.
  virtual Result<std::unique_ptr<shm::Region>> open_region() = 0;
  // Claims the region for this agent for the life of the process, or says who holds it
  // (Linux: an flock on the region's file; where no lock exists the heartbeat check in
  // kagami_agent.cpp still applies).
  virtual Result<void> claim_region(const shm::Region& region) {
    (void)region;
    return {};
  }
  // The capture backend the options name, started. Called on the thread that then runs the
  // agent loop (the capture thread).
  virtual Result<std::unique_ptr<capture::CaptureBackend>> open_capture() = 0;
  // The KVMFR VM and OS records.
  virtual protocol::GuestInfo guest_info(std::string_view capture_name) const = 0;
};

std::unique_ptr<AgentPlatform> make_agent_platform();

// The process entry: hands the command line (without the program name) to `run_agent`; on
// Windows it first handles the service commands (install, uninstall, service, run).
using RunAgent = std::function<int(const std::vector<std::string>& arguments)>;
int agent_entry(int argc, char** argv, const RunAgent& run_agent);

}  // namespace kagami::apps
