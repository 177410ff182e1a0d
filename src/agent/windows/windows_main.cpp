#include "agent/windows/windows_main.h"

// windows.h must come before the other Windows headers.
// clang-format off
#include <windows.h>
#include <shellapi.h>
// clang-format on

#include <cstdio>

#include "agent/windows/agent_stop.h"
#include "agent/windows/service.h"

namespace kagami::agent {

std::vector<std::string> utf8_arguments() {
  int count = 0;
  wchar_t** wide = CommandLineToArgvW(GetCommandLineW(), &count);
  std::vector<std::string> out;
  for (int i = 1; wide && i < count; ++i) {
    const int n = WideCharToMultiByte(CP_UTF8, 0, wide[i], -1, nullptr, 0, nullptr, nullptr);
    std::string arg(n > 0 ? static_cast<std::size_t>(n - 1) : 0, '\0');
    WideCharToMultiByte(CP_UTF8, 0, wide[i], -1, arg.data(), n, nullptr, nullptr);
    out.push_back(std::move(arg));
  }
  LocalFree(wide);
  return out;
}

namespace {

// Without this, Windows scales what a DPI-unaware process sees at 125-200% display scaling:
// GDI would capture a resampled screen and cursor positions would not match the frames.
void become_dpi_aware() {
  using SetContext = BOOL(WINAPI*)(DPI_AWARENESS_CONTEXT);
  // Looked up at run time: Windows 10 before 1703 lacks it.
  auto set_context = reinterpret_cast<SetContext>(reinterpret_cast<void*>(
      GetProcAddress(GetModuleHandleW(L"user32.dll"), "SetProcessDpiAwarenessContext")));
  if (set_context && set_context(DPI_AWARENESS_CONTEXT_PER_MONITOR_AWARE_V2)) return;
  SetProcessDPIAware();
}

}  // namespace

int windows_main(const std::vector<std::string>& arguments, const AgentMain& run_agent) {
  become_dpi_aware();
  const std::string command = arguments.empty() ? std::string() : arguments.front();
  const std::vector<std::string> rest(arguments.begin() + (arguments.empty() ? 0 : 1), arguments.end());
  const auto finish = [](const Result<void>& result, const char* done) {
    if (!result) {
      std::fprintf(stderr, "kagami-agent: %s\n", result.error().message.c_str());
      return kExitError;
    }
    if (done) std::printf("%s\n", done);
    return kExitOk;
  };
  if (command == "install") {
    return finish(install_service(rest), "installed and started the service kagami-agent");
  }
  if (command == "uninstall") return finish(uninstall_service(), "removed the service kagami-agent");
  if (command == "service") return finish(run_service(rest), nullptr);
  if (command == "run") {
    watch_agent_stop_event();  // launched by the service: its stop request becomes SIGTERM
    return run_agent(rest);
  }
  return run_agent(arguments);
}

}  // namespace kagami::agent
