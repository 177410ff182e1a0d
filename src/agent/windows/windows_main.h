#pragma once
// The Windows front of kagami-agent.exe: the service commands, then the agent itself.
//   kagami-agent.exe install [agent options]   register + start the service (admin)
//   kagami-agent.exe uninstall                 stop + delete the service (admin)
//   kagami-agent.exe service [agent options]   the service manager's entry point
//   kagami-agent.exe run [agent options]       the agent in the foreground (what the service launches)
//   kagami-agent.exe [agent options]           the same as run
#include <functional>
#include <string>
#include <vector>

#include "agent/exit_codes.h"

namespace kagami::agent {

using AgentMain = std::function<int(const std::vector<std::string>& options)>;

// argv as UTF-8 (from the wide command line), without the program name.
std::vector<std::string> utf8_arguments();

int windows_main(const std::vector<std::string>& arguments, const AgentMain& run_agent);

}  // namespace kagami::agent
