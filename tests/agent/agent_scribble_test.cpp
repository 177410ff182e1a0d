// One written byte must not lock viewers out (issue 11 item 3). An agent (a forked process, as
// in a VM: its threads are not this test's) publishes a still screen — one frame, then nothing
// changes, like an idle x11 desktop. A viewer has that frame. Then a client writes the region
// once, as a hostile or broken viewer could; a new well-behaved viewer must be served the
// screen (in full) soon after, and the agent must say what happened without flooding its log.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>

#include "agent/agent.h"
#include "agent/guest_info.h"
#include "agent_process.h"
#include "capture/pattern/pattern_backend.h"
#include "protocol/kvmfr_frame.h"
#include "protocol/lgmp_layout.h"
#include "reader.h"
#include "test_region.h"

namespace kagami::agent {
namespace {

using namespace std::chrono_literals;
using protocol::LgmpHeader;
using protocol::LgmpHeaderQueue;

std::atomic<bool> g_child_stop{false};

// The agent in a child process: pattern backend, one frame then a still screen; its log in `log`.
class StillAgent {
 public:
  StillAgent(const testing::TestRegion& region, std::string log) : log_(std::move(log)) {
    pid_ = ::fork();
    if (pid_ != 0) return;
    const int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    std::signal(SIGTERM, [](int) { g_child_stop = true; });
    capture::PatternConfig config;
    config.size = {320, 240};
    config.frame_interval = 600s;  // a still screen
    capture::PatternBackend backend(config);
    if (!backend.start()) ::_exit(2);
    Agent agent(AgentRegion{region.bytes(), region.fd()}, backend, collect_guest_info(backend.name()));
    ::_exit(agent.run(g_child_stop) ? 0 : 1);
  }
  ~StillAgent() {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    ::unlink(log_.c_str());
  }
  std::string log() const { return testing::read_text(log_); }

 private:
  std::string log_;
  pid_t pid_ = -1;
};

struct Attack {
  const char* name;
  std::function<void(std::byte* region, const protocol::ValidatedFrame& shown)> write;
};

LgmpHeader& header(std::byte* region) { return *reinterpret_cast<LgmpHeader*>(region); }
LgmpHeaderQueue& frame_queue(std::byte* region) { return header(region).queues[0]; }  // created first
LgmpHeaderQueue& pointer_queue(std::byte* region) { return header(region).queues[1]; }

const Attack kAttacks[] = {
    {"frame queue numMessages = 0 (one byte at offset 36)",
     [](std::byte* r, const auto&) { std::memset(r + 36, 0, 1); }},
    {"every subscriber slot taken and evicted, maximal timeouts",
     [](std::byte* r, const auto&) {
       for (LgmpHeaderQueue* q : {&frame_queue(r), &pointer_queue(r)}) {
         for (auto& t : q->timeout) t = ~0ull;
         q->subs = ~0ull;
       }
     }},
    {"every subscriber slot taken by nobody (on a still screen)",
     [](std::byte* r, const auto&) {
       for (LgmpHeaderQueue* q : {&frame_queue(r), &pointer_queue(r)}) q->subs |= 0xffffffff00000000ull;
     }},
    {"write index out of the ring", [](std::byte* r, const auto&) { frame_queue(r).position = 77; }},
    {"ring moved past the region",
     [](std::byte* r, const auto&) { frame_queue(r).messages_offset = 0xfffffff0; }},
    {"header: version, session, queue count, user data size",
     [](std::byte* r, const auto&) {
       header(r).version = 5;
       header(r).session_id ^= 1;
       header(r).num_queues = 9;
       header(r).udata_size = 1u << 30;
     }},
    {"user data (KVMFR records) wiped",
     [](std::byte* r, const auto&) { std::memset(r + protocol::kLgmpUdataOffset, 0, 64); }},
    {"magic wiped", [](std::byte* r, const auto&) { std::memset(r, 0, 4); }},
    {"ring start and count impossible",
     [](std::byte* r, const auto&) {
       frame_queue(r).start = 1000;
       frame_queue(r).count = ~0u;
     }},
    {"queue lock held forever", [](std::byte* r, const auto&) { frame_queue(r).lock = 1; }},
    {"client-message ring impossible",
     [](std::byte* r, const auto&) {
       pointer_queue(r).cmsg_avail = ~0u;
       pointer_queue(r).cmsg_wpos = 1000;
     }},
    {"the shown frame's header scribbled",
     [](std::byte* r, const protocol::ValidatedFrame& f) {
       std::memset(r + f.pixels_offset - 4096, 0xff, 64);
     }},
};

class Scribble : public ::testing::TestWithParam<std::size_t> {};

TEST_P(Scribble, ANewViewerIsServedSoonAfterAOneOffWrite) {
  const Attack& attack = kAttacks[GetParam()];
  testing::TestRegion region(32 << 20);
  ASSERT_TRUE(region.ok());
  StillAgent agent(region, "/tmp/kagami-scribble-" + std::to_string(::getpid()) + ".log");
  testing::Reader first(region.bytes());
  auto shown = first.next_frame(10s);
  ASSERT_TRUE(shown) << first.session().status().message << agent.log();

  attack.write(region.bytes().data(), shown->info);
  const auto written = std::chrono::steady_clock::now();
  testing::Reader viewer(region.bytes());
  std::optional<testing::ReceivedFrame> served;
  while (!served && std::chrono::steady_clock::now() - written < 5s) {
    (void)first.poll_frame();  // the first viewer stays alive (and takes any probe)
    served = viewer.poll_frame();
    std::this_thread::sleep_for(1ms);
  }
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - written).count();
  ASSERT_TRUE(served) << attack.name << ": no frame for a new viewer 5 s after the write ("
                      << viewer.session().status().message << ")\n"
                      << agent.log();
  std::printf("%-60s new viewer served after %6.1f ms\n", attack.name, ms);
  EXPECT_TRUE(served->complete);
  EXPECT_TRUE(served->info.damage.empty()) << "a newcomer's frame must be announced whole";
  EXPECT_EQ(served->pixels, shown->pixels) << "the still screen, as the first viewer saw it";
}

INSTANTIATE_TEST_SUITE_P(Attacks, Scribble, ::testing::Range<std::size_t>(0, std::size(kAttacks)));

TEST(ScribbleLog, AWriteRepeatedEveryMillisecondIsLoggedAboutOnceASecond) {
  testing::TestRegion region(32 << 20);
  ASSERT_TRUE(region.ok());
  StillAgent agent(region, "/tmp/kagami-scribble-log-" + std::to_string(::getpid()) + ".log");
  testing::Reader first(region.bytes());
  ASSERT_TRUE(first.next_frame(10s)) << agent.log();
  const auto start = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - start < 2500ms) {
    std::memset(region.bytes().data() + 36, 0, 1);
    std::this_thread::sleep_for(1ms);
  }
  std::this_thread::sleep_for(1200ms);  // the last burst is reported too
  const std::string log = agent.log();
  int lines = 0;
  for (std::size_t at = 0; (at = log.find("repaired", at)) != std::string::npos; ++at) ++lines;
  EXPECT_GE(lines, 2) << log;
  EXPECT_LE(lines, 5) << "2.5 s of attack: about one line a second\n" << log;
  EXPECT_NE(log.find("numMessages 0 -> 3"), std::string::npos) << log;
  EXPECT_NE(log.find("times in the last"), std::string::npos) << log;
}

}  // namespace
}  // namespace kagami::agent
