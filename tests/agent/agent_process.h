#pragma once
// The kagami-agent program in tests: run to completion, or spawned with its log in a file; and
// a /dev/shm file mapped by the test (the viewer's side of the region).
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace kagami::testing {

inline std::string read_text(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

#ifdef KAGAMI_AGENT_PATH
inline std::string agent_path() { return KAGAMI_AGENT_PATH; }  // from CMake

// Runs the agent to completion; returns exit status and stdout+stderr. `prefix` goes before
// the program (e.g. "timeout 3 ").
inline std::pair<int, std::string> run_agent(const std::string& args, const std::string& prefix = "") {
  const std::string command = prefix + agent_path() + " " + args + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  std::string out;
  std::array<char, 4096> buffer{};
  while (std::fgets(buffer.data(), buffer.size(), pipe)) out += buffer.data();
  const int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// The agent as a child process with stdout+stderr in `log`; stop() sends SIGTERM and waits.
class AgentProcess {
 public:
  AgentProcess(const std::vector<std::string>& args, std::string log) : log_(std::move(log)) {
    pid_ = ::fork();
    if (pid_ != 0) return;
    const int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    const std::string path = agent_path();
    std::vector<char*> argv{const_cast<char*>(path.c_str())};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(path.c_str(), argv.data());
    ::_exit(127);
  }
  ~AgentProcess() {
    if (pid_ > 0 && !exited_) stop();
    ::unlink(log_.c_str());
  }
  AgentProcess(const AgentProcess&) = delete;
  AgentProcess& operator=(const AgentProcess&) = delete;

  pid_t pid() const { return pid_; }
  std::string log() const { return read_text(log_); }

  // SIGTERM, then the exit status (-1: killed by a signal).
  int stop() {
    if (!exited_) ::kill(pid_, SIGTERM);
    return wait(std::chrono::seconds(10));
  }
  // Waits for the process to exit (SIGKILL after `limit`): its exit status, or -1 when a
  // signal ended it (then signal() says which).
  int wait(std::chrono::milliseconds limit) {
    if (!exited_) {
      const auto deadline = std::chrono::steady_clock::now() + limit;
      while (::waitpid(pid_, &status_, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() >= deadline) {
          ::kill(pid_, SIGKILL);
          ::waitpid(pid_, &status_, 0);
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      exited_ = true;
    }
    return WIFEXITED(status_) ? WEXITSTATUS(status_) : -1;
  }
  int signal() const { return exited_ && WIFSIGNALED(status_) ? WTERMSIG(status_) : 0; }

 private:
  std::string log_;
  pid_t pid_ = -1;
  int status_ = 0;
  bool exited_ = false;
};

#endif  // KAGAMI_AGENT_PATH

// A /dev/shm file of `size` bytes, mapped shared; removed at the end.
class ShmFile {
 public:
  explicit ShmFile(std::size_t size, const std::string& tag = "")
      : path_("/dev/shm/kagami-agent-test-" + std::to_string(::getpid()) + "-" + std::to_string(size) + tag),
        size_(size) {
    const int fd = ::open(path_.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd >= 0 && ::ftruncate(fd, static_cast<off_t>(size)) == 0) {
      void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
      if (p != MAP_FAILED) map_ = static_cast<std::byte*>(p);
    }
    if (fd >= 0) ::close(fd);
  }
  ~ShmFile() {
    if (map_) ::munmap(map_, size_);
    ::unlink(path_.c_str());
  }
  ShmFile(const ShmFile&) = delete;
  ShmFile& operator=(const ShmFile&) = delete;

  bool ok() const { return map_ != nullptr; }
  const std::string& path() const { return path_; }
  std::span<std::byte> bytes() const { return {map_, size_}; }

 private:
  std::string path_;
  std::size_t size_;
  std::byte* map_ = nullptr;
};

}  // namespace kagami::testing
