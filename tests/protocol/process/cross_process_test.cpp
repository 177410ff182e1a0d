// Two real processes through a real /dev/shm file: a publisher posting 1920x1080 BGRA frames
// at 60 Hz and a receiver checking every pixel of every frame. The publisher is killed hard
// and restarted (host restart), then the receiver is restarted (client restart); both must
// recover by themselves with no torn frame.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace {

class Process {
 public:
  Process(std::vector<std::string> args, const std::string& output) : output_(output) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    EXPECT_EQ(posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&actions);
  }
  ~Process() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      wait();
    }
  }
  void signal(int sig) { ::kill(pid_, sig); }
  int wait() {
    int status = 0;
    if (pid_ > 0) ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }
  std::string output() const {
    std::ifstream in(output_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

 private:
  pid_t pid_ = -1;
  std::string output_;
};

// Frame size: 1080p as the issue asks; smaller under TSan, which slows pixel loops ~20x.
#if defined(__SANITIZE_THREAD__)
const char* const kWidth = "480";
const char* const kHeight = "270";
#else
const char* const kWidth = "1920";
const char* const kHeight = "1080";
#endif

std::string text_field(const std::string& text, const std::string& name) {
  std::smatch m;
  if (!std::regex_search(text, m, std::regex(name + "=([^ \\n]+)"))) return {};
  return m[1];
}

long field(const std::string& text, const std::string& name) {
  std::smatch m;
  if (!std::regex_search(text, m, std::regex(name + "=(-?[0-9]+)"))) return -1;
  return std::stol(m[1]);
}

void sleep_ms(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

TEST(CrossProcess, FramesSurviveHostAndClientRestarts) {
  const std::string demo = KAGAMI_PROTOCOL_DEMO;
  const std::string tag = std::to_string(::getpid());
  const std::string shm = "/dev/shm/kagami-xproc-" + tag;
  const std::string dir = ::testing::TempDir();
  ::unlink(shm.c_str());

  Process host1({demo, "publish", "--shm", shm, "--seconds", "10", "--width", kWidth, "--height", kHeight},
                dir + "host1-" + tag);
  sleep_ms(200);
  Process client1({demo, "receive", "--shm", shm, "--seconds", "20"}, dir + "client1-" + tag);
  sleep_ms(2000);
  host1.signal(SIGKILL);  // the agent dies mid-frame
  host1.wait();
  sleep_ms(300);
  Process host2({demo, "publish", "--shm", shm, "--seconds", "4", "--width", kWidth, "--height", kHeight},
                dir + "host2-" + tag);
  sleep_ms(1700);
  client1.signal(SIGTERM);  // the viewer is closed...
  client1.wait();
  Process client2({demo, "receive", "--shm", shm, "--seconds", "1.5"}, dir + "client2-" + tag);  // ...and reopened
  client2.wait();
  host2.wait();
  ::unlink(shm.c_str());

  const std::string a = client1.output(), b = client2.output(), h2 = host2.output();
  std::printf("client 1: %s\nclient 2: %s\nhost 2: %s\n", a.c_str(), b.c_str(), h2.c_str());
  EXPECT_EQ(field(a, "torn"), 0);
  // The frame being written when the first host was killed never completes; nothing else may stall.
  EXPECT_LE(field(a, "stalled"), 1);
  EXPECT_EQ(field(a, "sessions"), 2) << "the restarted host was joined without restarting the client";
  const std::string per_session = text_field(a, "frames_per_session");
  EXPECT_TRUE(std::regex_match(per_session, std::regex("[1-9][0-9]*/[1-9][0-9]*")))
      << "frames from both hosts: " << per_session;
  EXPECT_NE(a.find("the agent"), std::string::npos) << "the restart was reported to the user";
  EXPECT_EQ(field(b, "torn"), 0);
  EXPECT_EQ(field(b, "stalled"), 0);
  EXPECT_EQ(field(b, "sessions"), 1);
  EXPECT_GT(field(b, "frames"), 0);
  EXPECT_GT(field(h2, "posted"), 0);
}

}  // namespace
