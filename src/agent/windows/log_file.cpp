#include "agent/windows/log_file.h"

// windows.h must come before the other Windows headers.
// clang-format off
#include <windows.h>
#include <knownfolders.h>
#include <shlobj.h>
// clang-format on

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <system_error>
#include <vector>

namespace kagami::agent {

std::filesystem::path default_log_path() {
  // The known folder, not %ProgramData%: a service's environment may not have it right (Wine's
  // services see C:\users\Public there).
  std::filesystem::path base = L"C:\\ProgramData";
  wchar_t* folder = nullptr;
  if (SUCCEEDED(SHGetKnownFolderPath(FOLDERID_ProgramData, 0, nullptr, &folder))) base = folder;
  CoTaskMemFree(folder);
  return base / L"kagami" / L"kagami-agent.log";
}

Result<void> log_to_file(const std::filesystem::path& path) {
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  if (ec) return Error{"cannot create the log folder " + path.parent_path().string() + ": " + ec.message()};
  try {  // spdlog reports through exceptions; they stop here
    std::vector<spdlog::sink_ptr> sinks{std::make_shared<spdlog::sinks::stderr_sink_mt>(),
                                        std::make_shared<spdlog::sinks::basic_file_sink_mt>(path.string())};
    auto logger = std::make_shared<spdlog::logger>("kagami", sinks.begin(), sinks.end());
    logger->flush_on(spdlog::level::info);
    spdlog::set_default_logger(logger);
  } catch (const spdlog::spdlog_ex& e) {
    return Error{"cannot open the log file " + path.string() + ": " + e.what()};
  }
  return {};
}

}  // namespace kagami::agent
