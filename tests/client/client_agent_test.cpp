// The real kagami-agent (pattern backend) -> the real kagami-client on Xvfb: the window must show
// exactly the frame the pattern scene defines for the frame number its marker carries.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "capture/pattern/pattern_scene.h"
#include "e2e_harness.h"
#include "xvfb.h"

namespace kagami::client {
namespace {

class AgentProcess {
 public:
  AgentProcess(const std::string& shm, const std::vector<std::string>& extra) {
    std::string binary = test::client_binary();
    binary.replace(binary.rfind("kagami-client"), std::string("kagami-client").size(), "kagami-agent");
    std::vector<std::string> args = {binary, "--shm", shm, "--log-level", "warn"};
    args.insert(args.end(), extra.begin(), extra.end());
    pid_ = fork();
    if (pid_ == 0) {
      const int null_fd = open("/dev/null", O_WRONLY);
      dup2(null_fd, 1);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
  }
  ~AgentProcess() {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }

 private:
  pid_t pid_ = -1;
};

TEST(ClientWithAgent, PatternAgentFramesArePixelExactInTheWindow) {
  constexpr std::uint32_t kW = 320, kH = 200, kSeed = 7;
  test::Xvfb xvfb(640, 480);
  test::ShmRegion region(32u << 20);
  // The agent's scene at 10 fps, so a read-back usually sees one whole frame; the client draws
  // 1:1 with nearest filtering and without the cursor (the scene's cursor is checked elsewhere).
  AgentProcess agent(region.path(), {"--capture", "pattern", "--pattern-size", "320x200", "--pattern-seed",
                                     std::to_string(kSeed), "--pattern-fps", "10"});
  test::ClientProcess client(xvfb.display(), region.path(), kW, kH, {"--no-show-cursor"});

  const capture::PatternScene scene(kW, kH, kSeed);
  std::vector<std::byte> expected(std::size_t{kW} * kH * 4);
  int matches = 0, worst = 255;
  std::uint64_t last_frame = 0;
  test::read_root_until(
      xvfb.display(), 0, 0, kW, kH,
      [&](const test::XImage& image) {
        // The window's own marker says which frame it shows; render that frame and compare.
        const auto* bytes = reinterpret_cast<const std::byte*>(image.pixels.data());
        const auto marker = capture::decode_latency_marker(bytes, kW * 4, 4, kW, kH, 0, 0);
        if (!marker || marker->frame == last_frame) return false;
        scene.render(*marker, expected.data(), kW * 4, capture::Rect{0, 0, kW, kH});
        worst = 0;
        for (std::uint32_t i = 0; i < kW * kH; ++i) {
          std::uint32_t bgra;
          std::memcpy(&bgra, expected.data() + i * 4, 4);
          worst = std::max(worst, test::channel_distance(image.pixels[i], bgra & 0xFFFFFF));
        }
        if (worst == 0) {
          ++matches;
          last_frame = marker->frame;
        }
        return matches >= 3;  // three different frames, each exact
      },
      20000);
  EXPECT_GE(matches, 3) << "worst channel difference of the last decoded frame: " << worst << "\n"
                        << client.log();
  EXPECT_TRUE(client.alive());
}

}  // namespace
}  // namespace kagami::client
