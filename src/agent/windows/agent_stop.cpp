#include "agent/windows/agent_stop.h"

#include <spdlog/spdlog.h>
#include <windows.h>

#include <csignal>
#include <thread>

namespace kagami::agent {

bool watch_agent_stop_event() {
  wchar_t name[256] = {};
  const DWORD n = GetEnvironmentVariableW(kAgentStopEventVariable, name, 256);
  if (n == 0 || n >= 256) return false;
  HANDLE event = OpenEventW(SYNCHRONIZE, FALSE, name);
  if (!event) {
    spdlog::warn("cannot open the service's stop event (error {}); the service will terminate the agent",
                 GetLastError());
    return false;
  }
  std::thread([event] {
    WaitForSingleObject(event, INFINITE);
    CloseHandle(event);
    std::raise(SIGTERM);
  }).detach();
  return true;
}

}  // namespace kagami::agent
