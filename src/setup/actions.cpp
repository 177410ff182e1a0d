#include "setup/actions.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace kagami::setup {

Result<void> Actions::run(const std::string& verb, const std::string& what,
                          const std::function<Result<void>()>& step) {
  out_ << "  " << (dry_run_ ? "would " + verb : verb) << ": " << what << "\n";
  if (dry_run_) return {};
  return step();
}

void Actions::ok(const std::string& what) { out_ << "  ok: " << what << "\n"; }

Result<void> Actions::write_file(const std::string& path, const std::string& content) {
  std::ifstream existing(path);
  if (existing) {
    std::stringstream text;
    text << existing.rdbuf();
    if (text.str() == content) {
      ok(fmt::format("{} already says what it should", path));
      return {};
    }
  }
  std::string shown;  // the content, indented under the action line
  for (char c : content) shown += c == '\n' ? std::string("\n      ") : std::string(1, c);
  while (!shown.empty() && (shown.back() == ' ' || shown.back() == '\n')) shown.pop_back();
  return run("write", fmt::format("{}:\n      {}", path, shown), [&]() -> Result<void> {
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
    std::ofstream file(path, std::ios::trunc);
    file << content;
    file.close();
    if (!file) return Error{fmt::format("cannot write {}: check permissions (run with sudo)", path)};
    return {};
  });
}

}  // namespace kagami::setup
