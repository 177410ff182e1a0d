// Two agents on one region (issue 11 item 4): the second kagami-agent process must refuse with
// exit code 4 and name the first, and the first must go on serving its viewer undisturbed.
//   - the lock: two kagami-agent programs on one /dev/shm file (flock, names the pid);
//   - the heartbeat: the first publisher holds no lock (an agent in another VM on the same
//     ivshmem device; here a forked in-process Agent), so only its live heartbeat shows.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <csignal>

#include "agent/agent.h"
#include "agent/exit_codes.h"
#include "agent/guest_info.h"
#include "agent_process.h"
#include "capture/pattern/pattern_backend.h"
#include "reader.h"

namespace kagami::agent {
namespace {

using namespace std::chrono_literals;
using testing::AgentProcess;
using testing::ShmFile;

std::atomic<bool> g_child_stop{false};

// The first viewer must keep getting frames of the same session while the second agent tries.
void expect_still_served(testing::Reader& reader, std::uint32_t session) {
  for (int i = 0; i < 5; ++i) {
    auto frame = reader.next_frame(2s);
    ASSERT_TRUE(frame) << reader.session().status().message;
    EXPECT_EQ(reader.session().session_id(), session);
  }
  EXPECT_EQ(reader.session().counters().sessions, 1u) << "the viewer had to reconnect";
}

TEST(TwoAgents, TheSecondProgramRefusesAndNamesTheFirst) {
  ShmFile file(32 << 20);
  ASSERT_TRUE(file.ok());
  AgentProcess first({"--shm", file.path(), "--capture", "pattern", "--pattern-size", "320x240"},
                     file.path() + ".first.log");
  testing::Reader reader(file.bytes());
  ASSERT_TRUE(reader.next_frame(10s)) << reader.session().status().message << first.log();
  const std::uint32_t session = reader.session().session_id();

  const auto [status, out] =
      testing::run_agent("--shm " + file.path() + " --capture pattern --pattern-size 320x240", "timeout 10 ");
  EXPECT_EQ(status, kExitRegionInUse) << out;
  EXPECT_NE(out.find("already in use by another kagami-agent"), std::string::npos) << out;
  EXPECT_NE(out.find("pid " + std::to_string(first.pid())), std::string::npos) << out;
  expect_still_served(reader, session);
  EXPECT_EQ(first.stop(), 0) << first.log();

  // Once the first has stopped, the region is free (the kernel dropped the lock with it).
  AgentProcess next({"--shm", file.path(), "--capture", "pattern", "--pattern-size", "320x240"},
                    file.path() + ".next.log");
  bool rejoined = false;
  for (int i = 0; i < 50 && !rejoined; ++i)
    rejoined = reader.next_frame(200ms) && reader.session().session_id() != session;
  EXPECT_TRUE(rejoined) << next.log();
  EXPECT_EQ(next.stop(), 0) << next.log();
}

TEST(TwoAgents, ALiveHeartbeatWithoutALockIsRefusedToo) {
  ShmFile file(32 << 20, "-heartbeat");
  ASSERT_TRUE(file.ok());
  // The first publisher: Agent in a forked child, on the test's own mapping, no flock.
  const pid_t child = ::fork();
  if (child == 0) {
    std::signal(SIGTERM, [](int) { g_child_stop = true; });
    capture::PatternConfig config;
    config.size = {320, 240};
    config.frame_interval = 10ms;
    capture::PatternBackend backend(config);
    if (!backend.start()) ::_exit(2);
    Agent agent(AgentRegion{file.bytes(), -1}, backend, collect_guest_info(backend.name()));
    ::_exit(agent.run(g_child_stop) ? 0 : 1);
  }
  ASSERT_GT(child, 0);
  testing::Reader reader(file.bytes());
  ASSERT_TRUE(reader.next_frame(10s)) << reader.session().status().message;
  const std::uint32_t session = reader.session().session_id();

  const auto [status, out] =
      testing::run_agent("--shm " + file.path() + " --capture pattern --pattern-size 320x240", "timeout 10 ");
  EXPECT_EQ(status, kExitRegionInUse) << out;
  EXPECT_NE(out.find("another agent is publishing into"), std::string::npos) << out;
  EXPECT_NE(out.find("heartbeat live"), std::string::npos) << out;
  EXPECT_NE(out.find(fmt::format("{:#010x}", session)), std::string::npos) << out;
  EXPECT_NE(out.find("capture 'pattern'"), std::string::npos) << out;
  expect_still_served(reader, session);

  // A region left behind by a stopped publisher (a valid header, a still heartbeat) is taken.
  ::kill(child, SIGTERM);
  int child_status = -1;
  ::waitpid(child, &child_status, 0);
  EXPECT_TRUE(WIFEXITED(child_status) && WEXITSTATUS(child_status) == 0);
  AgentProcess next({"--shm", file.path(), "--capture", "pattern", "--pattern-size", "320x240"},
                    file.path() + ".next.log");
  bool rejoined = false;
  for (int i = 0; i < 50 && !rejoined; ++i)
    rejoined = reader.next_frame(200ms) && reader.session().session_id() != session;
  EXPECT_TRUE(rejoined) << next.log();
  EXPECT_EQ(next.stop(), 0) << next.log();
}

}  // namespace
}  // namespace kagami::agent
