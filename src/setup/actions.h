#pragma once
// Every change kagami-setup makes goes through Actions, so each one is printed (and only printed
// with --dry-run) in the same form: "  create: ...", "  would create: ...", "  ok: ...".
#include <functional>
#include <ostream>
#include <string>

#include "common/result.h"

namespace kagami::setup {

class Actions {
 public:
  Actions(std::ostream& out, bool dry_run) : out_(out), dry_run_(dry_run) {}

  // Prints "  <verb>: <what>" ("would <verb>" in a dry run) and runs `step` unless dry-running.
  Result<void> run(const std::string& verb, const std::string& what,
                   const std::function<Result<void>()>& step);
  // Prints "  ok: <what>" for something already right.
  void ok(const std::string& what);
  // Writes `content` to `path` (creating its directory) unless it already holds exactly that.
  Result<void> write_file(const std::string& path, const std::string& content);

  bool dry_run() const { return dry_run_; }
  std::ostream& out() { return out_; }

 private:
  std::ostream& out_;
  bool dry_run_;
};

}  // namespace kagami::setup
