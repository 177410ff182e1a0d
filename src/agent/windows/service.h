#pragma once
// kagami-agent as a Windows service. The service (LocalSystem, started at boot) does not capture
// itself: a service lives in session 0 and cannot see the desktop. It launches
// "kagami-agent.exe run <options>" into the active console session with its own (SYSTEM) token,
// so the agent can follow the input desktop, and restarts it when it exits (after 1 s, backing off
// to 30 s while it keeps failing quickly) and when the console session changes.
#include <string>
#include <vector>

#include "common/result.h"

namespace kagami::agent {

inline constexpr const char* kServiceName = "kagami-agent";

// Registers the service (automatic start) with `agent_options` for the agent it launches, and
// starts it. Needs an administrator.
Result<void> install_service(const std::vector<std::string>& agent_options);
// Stops the service if it runs, waits for it, and deletes it.
Result<void> uninstall_service();
// The service manager's entry ("kagami-agent.exe service <options>"): returns when stopped.
Result<void> run_service(const std::vector<std::string>& agent_options);

}  // namespace kagami::agent
