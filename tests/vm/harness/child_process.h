#pragma once
// Starting and stopping the helper processes of the VM tests (QEMU, cpio). A child started here
// dies with the test process (PR_SET_PDEATHSIG), so a test killed by its timeout never leaves a
// QEMU behind.
#include <sys/types.h>

#include <string>
#include <vector>

#include "common/result.h"

namespace kagami::vm_test {

struct ChildOptions {
  std::vector<std::string> argv;  // argv[0] is looked up in PATH
  std::string cwd;                // empty: inherit
  std::string stdin_path;         // empty: /dev/null
  std::string stdout_path;        // empty: /dev/null; opened for append
  std::string stderr_path;        // empty: same as stdout
};

class ChildProcess {
 public:
  static Result<ChildProcess> start(const ChildOptions& options);

  ChildProcess() = default;
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();  // kills the child if it still runs

  pid_t pid() const { return pid_; }
  // The exit status if the child has ended (reaped), or -1 if it still runs. A child killed by
  // a signal reports 128 + the signal number, as a shell does.
  int poll_exit();
  // Waits up to timeout_ms for the child to end; then SIGKILLs it. Returns its exit status.
  int wait_or_kill(int timeout_ms);

 private:
  pid_t pid_ = -1;
  int status_ = -1;
};

// Runs a command to completion (with a timeout); an error if it fails, naming the command.
Result<void> run_to_completion(const ChildOptions& options, int timeout_ms);

}  // namespace kagami::vm_test
