// The agent as a separate process (forked: it shares the region's memfd mapping), killed with
// SIGKILL while a reader runs, then started again: the reader's KvmfrSession must notice the
// dead agent and join the new session by itself. SIGTERM must stop it cleanly.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <csignal>

#include "agent/agent.h"
#include "agent/guest_info.h"
#include "capture/pattern/pattern_backend.h"
#include "reader.h"
#include "test_region.h"

namespace kagami::agent {
namespace {

using namespace std::chrono_literals;

std::atomic<bool> g_child_stop{false};

// Forks an agent on `region` with the pattern backend; SIGTERM stops it, exit status 0 on a clean run.
pid_t fork_agent(const testing::TestRegion& region, std::uint64_t seed) {
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  std::signal(SIGTERM, [](int) { g_child_stop = true; });
  capture::PatternConfig config;
  config.size = {320, 240};
  config.seed = seed;
  config.frame_interval = 10ms;
  capture::PatternBackend backend(config);
  if (!backend.start()) ::_exit(2);
  Agent agent(AgentRegion{region.bytes(), region.fd()}, backend, collect_guest_info(backend.name()));
  ::_exit(agent.run(g_child_stop) ? 0 : 1);
}

bool frame_is_pattern(const testing::ReceivedFrame& f, std::uint64_t seed) {
  const auto marker = capture::decode_latency_marker(f.pixels.data(), f.info.pitch, 4, f.info.frame_width,
                                                     f.info.data_height, 0, 0);
  if (!marker || !f.complete) return false;
  const capture::PatternScene scene(f.info.frame_width, f.info.frame_height, seed);
  std::vector<std::byte> expected(f.pixels.size());
  scene.render(*marker, expected.data(), f.info.pitch,
               capture::Rect{0, 0, scene.width(), f.info.data_height});
  return expected == f.pixels;
}

// Polls the reader (reading and dropping frames) until `state` or the limit.
bool wait_for_state(testing::Reader& reader, protocol::SessionState state, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    reader.next_frame(20ms);
    if (reader.session().status().state == state) return true;
  }
  return false;
}

TEST(AgentRestart, ReaderRecoversAfterTheAgentIsKilledAndRestarted) {
  testing::TestRegion region(32 << 20);
  ASSERT_TRUE(region.ok());
  testing::Reader reader(region.bytes());

  pid_t agent = fork_agent(region, 1);
  ASSERT_GT(agent, 0);
  auto frame = reader.next_frame();
  ASSERT_TRUE(frame) << reader.session().status().message;
  EXPECT_TRUE(frame_is_pattern(*frame, 1));
  const std::uint32_t first_session = reader.session().session_id();

  ::kill(agent, SIGKILL);
  ::waitpid(agent, nullptr, 0);
  EXPECT_TRUE(wait_for_state(reader, protocol::SessionState::agent_stopped, 5s))
      << "state: " << reader.session().status().message;

  agent = fork_agent(region, 2);
  ASSERT_GT(agent, 0);
  bool recovered = false;
  for (int i = 0; i < 100 && !recovered; ++i) {
    frame = reader.next_frame(100ms);
    recovered = frame && reader.session().session_id() != first_session && frame_is_pattern(*frame, 2);
  }
  EXPECT_TRUE(recovered) << reader.session().status().message;
  EXPECT_GE(reader.session().counters().sessions, 2u);

  // SIGTERM: a clean exit, and the reader reports the agent stopped.
  ::kill(agent, SIGTERM);
  int status = -1;
  ::waitpid(agent, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_TRUE(wait_for_state(reader, protocol::SessionState::agent_stopped, 5s));
}

}  // namespace
}  // namespace kagami::agent
