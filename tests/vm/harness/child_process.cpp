#include "child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

namespace kagami::vm_test {
namespace {

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

std::string command_line(const std::vector<std::string>& argv) {
  std::string line;
  for (const auto& arg : argv) line += (line.empty() ? "" : " ") + arg;
  return line;
}

// In the forked child: only async-signal-safe calls until exec.
[[noreturn]] void exec_child(const ChildOptions& options, const std::vector<char*>& argv, pid_t parent) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(127);  // the parent already died before prctl took effect
  setpgid(0, 0);                        // its own group: a terminal's Ctrl-C goes to the test only
  const char* in = options.stdin_path.empty() ? "/dev/null" : options.stdin_path.c_str();
  const char* out = options.stdout_path.empty() ? "/dev/null" : options.stdout_path.c_str();
  const int in_fd = open(in, O_RDONLY);
  const int out_fd = open(out, O_WRONLY | O_CREAT | O_APPEND, 0644);
  const int err_fd = options.stderr_path.empty()
                         ? out_fd
                         : open(options.stderr_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (in_fd < 0 || out_fd < 0 || err_fd < 0) _exit(126);
  dup2(in_fd, 0);
  dup2(out_fd, 1);
  dup2(err_fd, 2);
  if (!options.cwd.empty() && chdir(options.cwd.c_str()) != 0) _exit(126);
  execvp(argv[0], argv.data());
  _exit(127);
}

}  // namespace

Result<ChildProcess> ChildProcess::start(const ChildOptions& options) {
  if (options.argv.empty()) return Error{"no command to start"};
  std::vector<char*> argv;
  for (const auto& arg : options.argv) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) return Error{"cannot start " + options.argv[0] + ": fork: " + std::strerror(errno)};
  if (pid == 0) exec_child(options, argv, parent);
  ChildProcess child;
  child.pid_ = pid;
  return child;
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept : pid_(other.pid_), status_(other.status_) {
  other.pid_ = -1;
}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    if (pid_ > 0) wait_or_kill(0);
    pid_ = other.pid_;
    status_ = other.status_;
    other.pid_ = -1;
  }
  return *this;
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0) wait_or_kill(0);
}

int ChildProcess::poll_exit() {
  if (pid_ <= 0 || status_ >= 0) return status_;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) status_ = decode_status(status);
  return status_;
}

int ChildProcess::wait_or_kill(int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (poll_exit() < 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (poll_exit() < 0 && pid_ > 0) {
    kill(pid_, SIGKILL);
    int status = 0;
    if (waitpid(pid_, &status, 0) == pid_) status_ = decode_status(status);
  }
  return status_;
}

Result<void> run_to_completion(const ChildOptions& options, int timeout_ms) {
  auto child = ChildProcess::start(options);
  if (!child) return child.error();
  const int status = child->wait_or_kill(timeout_ms);
  if (status != 0) {
    return Error{"'" + command_line(options.argv) + "' failed (exit status " + std::to_string(status) +
                 (status == 128 + SIGKILL ? ", killed after " + std::to_string(timeout_ms) + " ms" : "") +
                 ")"};
  }
  return {};
}

}  // namespace kagami::vm_test
