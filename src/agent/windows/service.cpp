#include "agent/windows/service.h"

// windows.h must come before the other Windows headers.
// clang-format off
#include <windows.h>
#include <wtsapi32.h>
// clang-format on

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "agent/windows/agent_stop.h"
#include "agent/windows/command_line.h"
#include "agent/windows/log_file.h"

namespace kagami::agent {
namespace {

constexpr const wchar_t* kServiceNameW = L"kagami-agent";
constexpr const wchar_t* kDisplayName = L"kagami agent";
constexpr const wchar_t* kDescription =
    L"Captures the screen into the IVSHMEM shared memory for kagami-client / Looking Glass on the host.";

std::wstring widen(const std::string& text) {
  const int n = MultiByteToWideChar(CP_UTF8, 0, text.c_str(), -1, nullptr, 0);
  std::wstring out(n > 0 ? static_cast<std::size_t>(n - 1) : 0, L'\0');
  MultiByteToWideChar(CP_UTF8, 0, text.c_str(), -1, out.data(), n);
  return out;
}

std::string narrow(const std::wstring& text) {
  const int n = WideCharToMultiByte(CP_UTF8, 0, text.c_str(), -1, nullptr, 0, nullptr, nullptr);
  std::string out(n > 0 ? static_cast<std::size_t>(n - 1) : 0, '\0');
  WideCharToMultiByte(CP_UTF8, 0, text.c_str(), -1, out.data(), n, nullptr, nullptr);
  return out;
}

std::string last_error(const char* what) { return fmt::format("{} failed (error {})", what, GetLastError()); }

std::string own_path() {
  std::wstring path(MAX_PATH, L'\0');
  for (;;) {
    const DWORD n = GetModuleFileNameW(nullptr, path.data(), static_cast<DWORD>(path.size()));
    if (n < path.size()) {
      path.resize(n);
      return narrow(path);
    }
    path.resize(path.size() * 2);
  }
}

// Closes a service handle at scope exit.
struct ScHandle {
  SC_HANDLE handle = nullptr;
  ~ScHandle() {
    if (handle) CloseServiceHandle(handle);
  }
};

bool wait_for_state(SC_HANDLE service, DWORD state, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  SERVICE_STATUS status{};
  while (QueryServiceStatus(service, &status) && status.dwCurrentState != state) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    Sleep(100);
  }
  return status.dwCurrentState == state;
}

// ---- the running service ----

struct ServiceState {
  SERVICE_STATUS_HANDLE status_handle = nullptr;
  HANDLE stop = nullptr;             // manual reset: the service manager asked us to stop
  HANDLE session_changed = nullptr;  // auto reset: relaunch the agent in the new console session
  HANDLE agent_stop = nullptr;       // manual reset, named: set to ask the agent to exit
  std::vector<std::string> agent_options;
  DWORD checkpoint = 0;
};
ServiceState g_service;  // the SCM calls back through plain functions; one service per process

void report(DWORD state, DWORD exit_code = NO_ERROR) {
  SERVICE_STATUS status{};
  status.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
  status.dwCurrentState = state;
  status.dwControlsAccepted =
      state == SERVICE_RUNNING ? SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN | SERVICE_ACCEPT_SESSIONCHANGE
                               : 0;
  status.dwWin32ExitCode = exit_code;
  status.dwCheckPoint = (state == SERVICE_RUNNING || state == SERVICE_STOPPED) ? 0 : ++g_service.checkpoint;
  status.dwWaitHint = 5000;
  SetServiceStatus(g_service.status_handle, &status);
}

DWORD WINAPI control_handler(DWORD control, DWORD event_type, void*, void*) {
  switch (control) {
    case SERVICE_CONTROL_STOP:
    case SERVICE_CONTROL_SHUTDOWN:
      report(SERVICE_STOP_PENDING);
      SetEvent(g_service.stop);
      return NO_ERROR;
    case SERVICE_CONTROL_SESSIONCHANGE:
      if (event_type == WTS_CONSOLE_CONNECT || event_type == WTS_SESSION_LOGON)
        SetEvent(g_service.session_changed);
      return NO_ERROR;
    case SERVICE_CONTROL_INTERROGATE:
      return NO_ERROR;
    default:
      return ERROR_CALL_NOT_IMPLEMENTED;
  }
}

// The log file, opened for appending by the agent's stdout/stderr.
HANDLE open_child_log() {
  SECURITY_ATTRIBUTES inherit{sizeof(inherit), nullptr, TRUE};
  const std::wstring path = default_log_path().wstring();
  return CreateFileW(path.c_str(), FILE_APPEND_DATA, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                     &inherit, OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr);
}

// Starts the agent in the active console session with the service's own token (SYSTEM can
// then switch to the secure desktop); falls back to a plain child where that is refused.
Result<PROCESS_INFORMATION> launch_agent(HANDLE log) {
  std::vector<std::string> arguments{"run"};
  arguments.insert(arguments.end(), g_service.agent_options.begin(), g_service.agent_options.end());
  std::wstring command = widen(join_command_line(own_path(), arguments));
  STARTUPINFOW startup{};
  startup.cb = sizeof(startup);
  startup.lpDesktop = const_cast<wchar_t*>(L"winsta0\\default");
  startup.dwFlags = STARTF_USESTDHANDLES;
  startup.hStdOutput = log;
  startup.hStdError = log;
  PROCESS_INFORMATION process{};

  const DWORD session = WTSGetActiveConsoleSessionId();
  HANDLE token = nullptr, primary = nullptr;
  bool launched = false;
  if (session != 0xFFFFFFFF &&
      OpenProcessToken(GetCurrentProcess(),
                       TOKEN_DUPLICATE | TOKEN_QUERY | TOKEN_ASSIGN_PRIMARY | TOKEN_ADJUST_DEFAULT |
                           TOKEN_ADJUST_SESSIONID,
                       &token) &&
      DuplicateTokenEx(token, MAXIMUM_ALLOWED, nullptr, SecurityImpersonation, TokenPrimary, &primary)) {
    DWORD id = session;
    if (SetTokenInformation(primary, TokenSessionId, &id, sizeof(id))) {
      launched = CreateProcessAsUserW(primary, nullptr, command.data(), nullptr, nullptr, TRUE,
                                      CREATE_NO_WINDOW, nullptr, nullptr, &startup, &process);
    }
    if (!launched)
      spdlog::warn(
          "service: cannot start the agent in console session {} (error {}); starting it "
          "as a plain child",
          session, GetLastError());
  }
  if (token) CloseHandle(token);
  if (primary) CloseHandle(primary);
  if (!launched && !CreateProcessW(nullptr, command.data(), nullptr, nullptr, TRUE, CREATE_NO_WINDOW, nullptr,
                                   nullptr, &startup, &process)) {
    return Error{last_error("CreateProcess of the agent")};
  }
  CloseHandle(process.hThread);
  spdlog::info("service: started the agent (pid {}) in session {}: {}", process.dwProcessId, session,
               narrow(command));
  return process;
}

// Asks the agent to exit cleanly (it then leaves the region as "agent stopped" for the client),
// and ends it if it has not within 5 s.
void stop_agent(HANDLE process) {
  SetEvent(g_service.agent_stop);
  if (WaitForSingleObject(process, 5000) == WAIT_OBJECT_0) {
    spdlog::info("service: the agent stopped cleanly");
  } else {
    spdlog::warn("service: the agent did not stop within 5 s; terminating it");
    TerminateProcess(process, 1);
    WaitForSingleObject(process, 5000);
  }
  ResetEvent(g_service.agent_stop);
}

void supervise() {
  using namespace std::chrono;
  // The agent finds its stop event by the name in its environment (agent_stop.h).
  const std::wstring stop_name = L"Global\\kagami-agent-stop-" + std::to_wstring(GetCurrentProcessId());
  g_service.agent_stop = CreateEventW(nullptr, TRUE, FALSE, stop_name.c_str());
  SetEnvironmentVariableW(kAgentStopEventVariable, stop_name.c_str());
  HANDLE log = open_child_log();
  milliseconds backoff{1000};
  for (;;) {
    auto child = launch_agent(log);
    if (!child) {
      spdlog::error("service: {}; retrying in {} s", child.error().message, backoff.count() / 1000);
      if (WaitForSingleObject(g_service.stop, static_cast<DWORD>(backoff.count())) == WAIT_OBJECT_0) break;
      backoff = std::min(backoff * 2, milliseconds{30000});
      continue;
    }
    const auto started = steady_clock::now();
    const HANDLE waits[] = {g_service.stop, g_service.session_changed, child->hProcess};
    const DWORD woke = WaitForMultipleObjects(3, waits, FALSE, INFINITE);
    if (woke != WAIT_OBJECT_0 + 2) {
      // Stop, or a new console session: the agent must restart in the right session.
      stop_agent(child->hProcess);
      CloseHandle(child->hProcess);
      if (woke == WAIT_OBJECT_0 + 1) {
        spdlog::info("service: console session changed; restarting the agent there");
        backoff = milliseconds{1000};
        continue;
      }
      break;
    }
    DWORD code = 0;
    GetExitCodeProcess(child->hProcess, &code);
    CloseHandle(child->hProcess);
    // An agent that ran for a while gets a fresh back-off; one that keeps failing waits longer.
    if (steady_clock::now() - started > seconds{30}) backoff = milliseconds{1000};
    spdlog::warn("service: the agent exited with code {}; restarting in {} s", code, backoff.count() / 1000);
    if (WaitForSingleObject(g_service.stop, static_cast<DWORD>(backoff.count())) == WAIT_OBJECT_0) break;
    backoff = std::min(backoff * 2, milliseconds{30000});
  }
  if (log != INVALID_HANDLE_VALUE) CloseHandle(log);
}

void WINAPI service_main(DWORD, LPWSTR*) {
  g_service.status_handle = RegisterServiceCtrlHandlerExW(kServiceNameW, control_handler, nullptr);
  if (!g_service.status_handle) return;
  report(SERVICE_START_PENDING);
  g_service.stop = CreateEventW(nullptr, TRUE, FALSE, nullptr);
  g_service.session_changed = CreateEventW(nullptr, FALSE, FALSE, nullptr);
  report(SERVICE_RUNNING);
  spdlog::info("service: running");
  supervise();
  spdlog::info("service: stopped");
  report(SERVICE_STOPPED);
}

}  // namespace

Result<void> install_service(const std::vector<std::string>& agent_options) {
  ScHandle manager{OpenSCManagerW(nullptr, nullptr, SC_MANAGER_CREATE_SERVICE)};
  if (!manager.handle) return Error{last_error("OpenSCManager") + ": run the installation as administrator"};
  std::vector<std::string> arguments{"service"};
  arguments.insert(arguments.end(), agent_options.begin(), agent_options.end());
  const std::wstring command = widen(join_command_line(own_path(), arguments));
  ScHandle service{CreateServiceW(manager.handle, kServiceNameW, kDisplayName, SERVICE_ALL_ACCESS,
                                  SERVICE_WIN32_OWN_PROCESS, SERVICE_AUTO_START, SERVICE_ERROR_NORMAL,
                                  command.c_str(), nullptr, nullptr, nullptr, nullptr, nullptr)};
  if (!service.handle) {
    if (GetLastError() == ERROR_SERVICE_EXISTS) {
      return Error{"the service kagami-agent is already installed: run `kagami-agent.exe uninstall` first"};
    }
    return Error{last_error("CreateService")};
  }
  SERVICE_DESCRIPTIONW description{const_cast<wchar_t*>(kDescription)};
  ChangeServiceConfig2W(service.handle, SERVICE_CONFIG_DESCRIPTION, &description);
  if (!StartServiceW(service.handle, 0, nullptr)) {
    return Error{last_error("StartService") + ": the service is installed and will start at the next boot"};
  }
  return {};
}

Result<void> uninstall_service() {
  ScHandle manager{OpenSCManagerW(nullptr, nullptr, SC_MANAGER_CONNECT)};
  if (!manager.handle) return Error{last_error("OpenSCManager") + ": run as administrator"};
  ScHandle service{OpenServiceW(manager.handle, kServiceNameW, SERVICE_STOP | SERVICE_QUERY_STATUS | DELETE)};
  if (!service.handle) {
    if (GetLastError() == ERROR_SERVICE_DOES_NOT_EXIST)
      return Error{"the service kagami-agent is not installed"};
    return Error{last_error("OpenService")};
  }
  SERVICE_STATUS status{};
  if (ControlService(service.handle, SERVICE_CONTROL_STOP, &status) &&
      !wait_for_state(service.handle, SERVICE_STOPPED, std::chrono::seconds{10})) {
    return Error{"the service kagami-agent did not stop within 10 s; it is still installed"};
  }
  if (!DeleteService(service.handle)) return Error{last_error("DeleteService")};
  return {};
}

Result<void> run_service(const std::vector<std::string>& agent_options) {
  g_service.agent_options = agent_options;
  if (auto logged = log_to_file(default_log_path()); !logged) return logged;
  SERVICE_TABLE_ENTRYW table[] = {{const_cast<wchar_t*>(kServiceNameW), service_main}, {nullptr, nullptr}};
  if (!StartServiceCtrlDispatcherW(table)) {
    if (GetLastError() == ERROR_FAILED_SERVICE_CONTROLLER_CONNECT) {
      return Error{
          "`service` is the entry point for the Windows service manager; to run the agent in this "
          "console use `kagami-agent.exe run`"};
    }
    return Error{last_error("StartServiceCtrlDispatcher")};
  }
  return {};
}

}  // namespace kagami::agent
