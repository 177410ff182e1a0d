#pragma once
// Running the system tools kagami-setup drives (virsh, virt-xml-validate, diff): argv only, never a
// shell, so domain names and paths cannot be misread as shell syntax.
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace kagami::setup {

struct CommandOutput {
  int exit_status = -1;  // 128+N when killed by signal N
  std::string out;
  std::string err;
};

// Runs argv[0] (looked up in PATH) with `input` on stdin; fails only when it cannot be started.
Result<CommandOutput> run_command(const std::vector<std::string>& argv, const std::string& input = {});

// The full path of `program` in PATH, if there is one.
std::optional<std::string> find_program(const std::string& program);

// "virsh -c 'qemu:///session' define /tmp/x.xml": argv quoted for a person to copy.
std::string shell_quote(const std::vector<std::string>& argv);

}  // namespace kagami::setup
