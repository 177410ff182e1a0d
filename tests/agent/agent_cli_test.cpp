// The kagami-agent program: options, errors, a pattern run into a /dev/shm file read by a
// KvmfrSession, and a clean SIGTERM exit.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "agent_process.h"
#include "reader.h"

namespace {

using namespace std::chrono_literals;

using kagami::testing::ShmFile;

std::pair<int, std::string> run(const std::string& args, const std::string& prefix = "") {
  return kagami::testing::run_agent(args, prefix);
}

TEST(AgentCli, HelpExplainsEveryOption) {
  const auto [status, out] = run("--help");
  EXPECT_EQ(status, 0);
  for (const char* option :
       {"--shm", "--device", "--capture", "--fps-max", "--log-level", "pattern", "auto"}) {
    EXPECT_NE(out.find(option), std::string::npos) << option;
  }
}

TEST(AgentCli, ClearErrors) {
  // No --shm or --device: the first ivshmem device, and this machine has none.
  auto [status, out] = run("--capture pattern");
  EXPECT_NE(status, 0);
  EXPECT_NE(out.find("no shared memory given, and none found: no ivshmem device"), std::string::npos) << out;
  EXPECT_NE(out.find("--shm PATH"), std::string::npos) << out;

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
  kagami::testing::AgentProcess agent(
      {"--shm", file.path(), "--capture", "pattern", "--pattern-size", "1920x1080"}, file.path() + ".log");
  kagami::testing::Reader reader(file.bytes());
  auto frame = reader.next_frame(10s);
  ASSERT_TRUE(frame) << reader.session().status().message;
  EXPECT_EQ(frame->info.frame_width, 1920u);
  EXPECT_NE(frame->info.flags & kagami::protocol::kFrameFlagTruncated, 0u);
  EXPECT_EQ(reader.session().guest().vm->capture, "pattern");

  EXPECT_EQ(agent.stop(), 0);
  const std::string text = agent.log();
  EXPECT_NE(text.find("too small for 1920x1080"), std::string::npos) << text;
  EXPECT_NE(text.find("32.0 MiB"), std::string::npos) << text;
}

TEST(AgentCli, ARegionTruncatedUnderTheAgentStopsItWithExitCode5) {
  ShmFile file(32 << 20, "-shrink");
  ASSERT_TRUE(file.ok());
  kagami::testing::AgentProcess agent(
      {"--shm", file.path(), "--capture", "pattern", "--pattern-size", "320x240"}, file.path() + ".log");
  {
    kagami::testing::Reader reader(file.bytes());
    ASSERT_TRUE(reader.next_frame(10s)) << reader.session().status().message << agent.log();
  }
  // What `kagami-setup shm --size 16M` did to a region in use. (This test's own mapping is
  // not touched past 16 MiB from here on.)
  ASSERT_EQ(::truncate(file.path().c_str(), 16 << 20), 0);
  const auto truncated = std::chrono::steady_clock::now();
  const int status = agent.wait(5s);
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - truncated).count();
  EXPECT_EQ(agent.signal(), 0) << "killed by signal " << agent.signal() << "\n" << agent.log();
  EXPECT_EQ(status, 5) << agent.log();
  const std::string log = agent.log();
  EXPECT_NE(log.find("shrank to 16.0 MiB under the agent (it was 32.0 MiB)"), std::string::npos) << log;
  EXPECT_NE(log.find("kagami-setup shm --size 32M"), std::string::npos) << log;
  std::printf("the agent stopped %.1f ms after the truncation\n", ms);
}

}  // namespace
