#pragma once
// Where the Windows agent and its service log: %ProgramData%\kagami\kagami-agent.log.
#include <filesystem>

#include "common/result.h"

namespace kagami::agent {

std::filesystem::path default_log_path();

// Sends spdlog's default logger to `path` (created with its folder) as well as to stderr.
Result<void> log_to_file(const std::filesystem::path& path);

}  // namespace kagami::agent
