// The kagami-agent program: options, errors, a pattern run into a /dev/shm file read by a
// KvmfrSession, and a clean SIGTERM exit.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "reader.h"

namespace {

using namespace std::chrono_literals;

std::string agent_path() { return KAGAMI_AGENT_PATH; }  // from CMake

// Runs the agent to completion; returns exit status and stdout+stderr.
std::pair<int, std::string> run(const std::string& args, const std::string& prefix = "") {
  const std::string command = prefix + agent_path() + " " + args + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  std::string out;
  std::array<char, 4096> buffer{};
  while (std::fgets(buffer.data(), buffer.size(), pipe)) out += buffer.data();
  const int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

class ShmFile {
 public:
  explicit ShmFile(std::size_t size)
      : path_("/dev/shm/kagami-agent-cli-" + std::to_string(::getpid()) + "-" + std::to_string(size)),
        size_(size) {
    const int fd = ::open(path_.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
    EXPECT_EQ(::ftruncate(fd, static_cast<off_t>(size)), 0);
    map_ = static_cast<std::byte*>(::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
    ::close(fd);
  }
  ~ShmFile() {
    ::munmap(map_, size_);
    ::unlink(path_.c_str());
  }
  const std::string& path() const { return path_; }
  std::span<std::byte> bytes() const { return {map_, size_}; }

 private:
  std::string path_;
  std::size_t size_;
  std::byte* map_ = nullptr;
};

TEST(AgentCli, HelpExplainsEveryOption) {
  const auto [status, out] = run("--help");
  EXPECT_EQ(status, 0);
  for (const char* option :
       {"--shm", "--device", "--capture", "--fps-max", "--log-level", "pattern", "auto"}) {
    EXPECT_NE(out.find(option), std::string::npos) << option;
  }
}

TEST(AgentCli, ClearErrors) {
  auto [status, out] = run("--capture pattern");
  EXPECT_NE(status, 0);
  EXPECT_NE(out.find("no shared memory given"), std::string::npos) << out;

  std::tie(status, out) = run("--shm /dev/shm/kagami-does-not-exist-" + std::to_string(::getpid()));
  EXPECT_NE(status, 0);
  EXPECT_NE(out.find("kagami-does-not-exist"), std::string::npos) << out;

  ShmFile file(32 << 20);
  std::tie(status, out) = run("--shm " + file.path() + " --capture nonsense");
  EXPECT_NE(status, 0);
  EXPECT_NE(out.find("unknown capture backend 'nonsense'"), std::string::npos) << out;
  EXPECT_NE(out.find("pattern"), std::string::npos) << out;
}

TEST(AgentCli, PatternSizeIsExactlyWxH) {
  ShmFile file(32 << 20);
  // Each is refused as a usage error (2) before any region or capture is opened; an accepted one
  // would publish until `timeout` stops it (status 124).
  for (const char* size : {"1280x720x3", "1280x720junk", "1280x", "x720", "-1280x720", "+1280x720",
                           "1280 x720", "1280", "99999999999x720", "16x16"}) {
    const auto [status, out] =
        run("--shm " + file.path() + " --capture pattern --pattern-size '" + size + "'", "timeout 3 ");
    EXPECT_EQ(status, 2) << size << ": " << out;
    EXPECT_NE(out.find("expected WxH"), std::string::npos) << size << ": " << out;
  }
}

TEST(AgentCli, PublishesThePatternAndStopsOnSigterm) {
  ShmFile file(16 << 20);  // too small for 1920x1080: the log must say what is needed
  const std::string log = file.path() + ".log";
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    const std::string path = agent_path();
    ::execl(path.c_str(), path.c_str(), "--shm", file.path().c_str(), "--capture", "pattern",
            "--pattern-size", "1920x1080", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  kagami::testing::Reader reader(file.bytes());
  auto frame = reader.next_frame(10s);
  ASSERT_TRUE(frame) << reader.session().status().message;
  EXPECT_EQ(frame->info.frame_width, 1920u);
  EXPECT_NE(frame->info.flags & kagami::protocol::kFrameFlagTruncated, 0u);
  EXPECT_EQ(reader.session().guest().vm->capture, "pattern");

  ::kill(pid, SIGTERM);
  int status = -1;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  std::string text;
  if (FILE* f = std::fopen(log.c_str(), "r")) {
    std::array<char, 4096> buffer{};
    while (std::fgets(buffer.data(), buffer.size(), f)) text += buffer.data();
    std::fclose(f);
  }
  ::unlink(log.c_str());
  EXPECT_NE(text.find("too small for 1920x1080"), std::string::npos) << text;
  EXPECT_NE(text.find("32.0 MiB"), std::string::npos) << text;
}

}  // namespace
