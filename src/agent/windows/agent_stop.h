#pragma once
// How the service asks the agent it launched to exit cleanly: a named event whose name the
// agent finds in its environment. When it is set, the agent gets SIGTERM, exactly as on Linux,
// so the shared agent loop needs nothing Windows-specific to stop cleanly.
namespace kagami::agent {

inline constexpr const wchar_t* kAgentStopEventVariable = L"KAGAMI_AGENT_STOP_EVENT";

// If the environment names a stop event, waits for it on a background thread and raises
// SIGTERM in this process when it is set. Returns false when there is none (not under the service).
bool watch_agent_stop_event();

}  // namespace kagami::agent
