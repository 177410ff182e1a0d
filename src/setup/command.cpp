#include "setup/command.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>

extern char** environ;

namespace kagami::setup {
namespace {

struct Pipe {
  int read_end = -1, write_end = -1;
  Pipe() {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) == 0) read_end = fds[0], write_end = fds[1];
  }
  ~Pipe() { close_read(), close_write(); }
  void close_read() {
    if (read_end >= 0) close(read_end), read_end = -1;
  }
  void close_write() {
    if (write_end >= 0) close(write_end), write_end = -1;
  }
  bool ok() const { return read_end >= 0; }
};

// Feeds stdin and drains stdout/stderr together so neither side can block on a full pipe.
void pump(Pipe& in, Pipe& out, Pipe& err, const std::string& input, CommandOutput& result) {
  std::size_t written = 0;
  // Our end of stdin must not block: a blocking write of a large input would stall while the child
  // waits for us to drain its output. (The child's end is a separate open file, still blocking.)
  if (input.empty()) {
    in.close_write();
  } else {
    fcntl(in.write_end, F_SETFL, O_NONBLOCK);
  }
  char buffer[8192];
  while (out.read_end >= 0 || err.read_end >= 0) {
    pollfd fds[3] = {{out.read_end, POLLIN, 0}, {err.read_end, POLLIN, 0}, {in.write_end, POLLOUT, 0}};
    if (poll(fds, 3, -1) < 0 && errno != EINTR) break;
    if (fds[2].revents & (POLLOUT | POLLERR | POLLHUP)) {
      ssize_t n = write(in.write_end, input.data() + written, input.size() - written);
      if (n > 0) written += static_cast<std::size_t>(n);
      if ((n < 0 && errno != EAGAIN && errno != EINTR) || written == input.size()) in.close_write();
    }
    for (int i = 0; i < 2; ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      Pipe& pipe = i == 0 ? out : err;
      ssize_t n = read(pipe.read_end, buffer, sizeof buffer);
      if (n > 0)
        (i == 0 ? result.out : result.err).append(buffer, static_cast<std::size_t>(n));
      else
        pipe.close_read();
    }
  }
}

}  // namespace

Result<CommandOutput> run_command(const std::vector<std::string>& argv, const std::string& input) {
  if (argv.empty()) return Error{"run_command: no program given"};
  Pipe in, out, err;
  if (!in.ok() || !out.ok() || !err.ok())
    return Error{fmt::format("cannot create pipes: {}", std::strerror(errno))};
  signal(SIGPIPE, SIG_IGN);  // a program that exits without reading stdin must not kill us

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in.read_end, 0);
  posix_spawn_file_actions_adddup2(&actions, out.write_end, 1);
  posix_spawn_file_actions_adddup2(&actions, err.write_end, 2);
  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  int spawned = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    return Error{fmt::format("cannot run {}: {}", argv[0], std::strerror(spawned))};
  }
  in.close_read(), out.close_write(), err.close_write();

  CommandOutput result;
  pump(in, out, err, input, result);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

std::optional<std::string> find_program(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  for (std::size_t start = 0; start <= dirs.size();) {
    std::size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::filesystem::path candidate = std::filesystem::path(dirs.substr(start, end - start)) / program;
    if (access(candidate.c_str(), X_OK) == 0) return candidate.string();
    start = end + 1;
  }
  return std::nullopt;
}

std::string shell_quote(const std::vector<std::string>& argv) {
  std::string text;
  for (const auto& arg : argv) {
    if (!text.empty()) text += ' ';
    bool plain =
        !arg.empty() &&
        arg.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=,+@%") ==
            std::string::npos;
    if (plain) {
      text += arg;
    } else {
      text += '\'';
      for (char c : arg) text += c == '\'' ? std::string("'\\''") : std::string(1, c);
      text += '\'';
    }
  }
  return text;
}

}  // namespace kagami::setup
