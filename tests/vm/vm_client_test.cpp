// The whole path through a real VM into the real viewer: a guest program draws known pictures on
// the guest framebuffer, the static kagami-agent inside the guest publishes them into the ivshmem
// BAR, and the real kagami-client on the host (--shm <the VM's /dev/shm file>, on a private Xvfb)
// shows them. The test reads the client window back from the X server and checks every pixel
// (1:1, nearest), then checks that updates arrive and that the client recovers by itself when the
// agent in the guest restarts. Prints boot time, time to first frame and latency (not gating).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "e2e_harness.h"
#include "guest_vm.h"
#include "test_pattern.h"
#include "xvfb.h"

namespace kagami::vm_test {
namespace {

using client::test::ClientProcess;
using client::test::XImage;
using client::test::Xvfb;
using Clock = std::chrono::steady_clock;

constexpr int kWidth = 1280;  // the guest's mode (VmOptions default) = the Xvfb screen = the window
constexpr int kHeight = 720;
constexpr char kStartAgent[] =
    "kagami-agent --device ivshmem --capture fb --poll-ms 10 >>/tmp/agent.log 2>&1 &";
constexpr char kStopAgent[] =
    "kill $(pidof kagami-agent); while pidof kagami-agent >/dev/null; do sleep 0.05; done";

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

// Number of pixels of the window rows [y0, y0 + image.height) that differ from the picture of
// `seed`; `detail` names the first one.
std::size_t wrong_pixels(const XImage& image, int y0, std::uint32_t seed, std::string& detail) {
  if (image.width != kWidth || image.pixels.empty()) {
    detail = "the X server returned no image";
    return SIZE_MAX;
  }
  std::size_t wrong = 0;
  for (int y = 0; y < image.height; ++y) {
    for (int x = 0; x < image.width; ++x) {
      const std::uint32_t expected =
          pattern_pixel(static_cast<std::uint32_t>(x), static_cast<std::uint32_t>(y0 + y), seed);
      if (image.at(x, y) != expected && wrong++ == 0) {
        char text[112];
        std::snprintf(text, sizeof(text), "first wrong window pixel (%d,%d): %06x, expected %06x (seed %u)",
                      x, y0 + y, image.at(x, y), expected, seed);
        detail = text;
      }
    }
  }
  if (wrong > 0) detail += ", " + std::to_string(wrong) + " wrong pixels in the rows checked";
  return wrong;
}

// Saves what the window showed, for a failure's work directory.
void write_ppm(const XImage& image, const std::string& path) {
  std::ofstream out(path, std::ios::binary);
  out << "P6\n" << image.width << " " << image.height << "\n255\n";
  for (const std::uint32_t p : image.pixels) {
    const char rgb[3] = {static_cast<char>(p >> 16), static_cast<char>(p >> 8), static_cast<char>(p)};
    out.write(rgb, 3);
  }
}

class VmClient : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    try {
      xvfb_ = new Xvfb(kWidth, kHeight);
    } catch (const std::exception& e) {
      setup_error_ = new std::string(e.what());
      return;
    }
    VmOptions options;
    options.assets_dir = KAGAMI_VM_ASSETS;
    options.width = kWidth;
    options.height = kHeight;
    options.files = {{KAGAMI_VM_PROGRAM_KAGAMI_VM_FB_DRAW, "/bin/kagami-vm-fb-draw"},
                     {KAGAMI_VM_PROGRAM_KAGAMI_AGENT_STATIC, "/bin/kagami-agent"}};
    const auto start = Clock::now();
    auto vm = GuestVm::start(options);
    if (!vm) {
      setup_error_ = new std::string("the guest did not boot: " + vm.error().message);
      return;
    }
    vm_ = std::move(*vm).release();
    // host_seconds counts from QEMU's start; GuestVm::start also builds the initramfs before that.
    const auto ready = vm_->wait_for_console("kagami-vm: ready", 1000);
    std::printf(
        "[timing] boot: QEMU start -> guest ready %.2f s as seen by the host, guest uptime %.2f s; "
        "GuestVm::start in all %.2f s (accel %s)\n",
        ready ? ready->host_seconds : -1.0, ready ? ready->guest_uptime : -1.0, ms_since(start) / 1000,
        vm_->accel().c_str());
  }
  static void TearDownTestSuite() {
    delete client_;  // the client first: it has the region mapped
    client_ = nullptr;
    delete vm_;
    vm_ = nullptr;
    delete xvfb_;
    xvfb_ = nullptr;
    delete setup_error_;
    setup_error_ = nullptr;
  }
  void SetUp() override { ASSERT_EQ(setup_error_, nullptr) << *setup_error_; }
  void TearDown() override {
    if (!HasFailure() || vm_ == nullptr) return;
    vm_->keep_work_dir();
    if (auto log = vm_->run("tail -n 30 /tmp/agent.log", 5000))
      std::printf("--- guest agent log (tail) ---\n%s", log->output.c_str());
    if (client_ != nullptr) {
      const std::string log = client_->log();
      std::printf("--- client (%s) log (tail) ---\n%s\n", client_->alive() ? "running" : "EXITED",
                  log.substr(log.size() > 4000 ? log.size() - 4000 : 0).c_str());
    }
    write_ppm(client::test::read_root(xvfb_->display(), 0, 0, kWidth, kHeight),
              vm_->work_dir() + "/window.ppm");
    (void)vm_->screendump(vm_->work_dir() + "/guest-screen.ppm");
    std::printf("client window: %s/window.ppm, guest display: %s/guest-screen.ppm\n%s\n",
                vm_->work_dir().c_str(), vm_->work_dir().c_str(), vm_->diagnostics().c_str());
  }

  // Polls the window until it shows exactly the picture of `seed`. Cheap probe first: the last
  // rows (the client uploads top to bottom, so they come last), then the whole window.
  static bool wait_for_window(std::uint32_t seed, int timeout_ms, std::string& detail) {
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    constexpr int kProbeRows = 16;
    do {
      const XImage bottom =
          client::test::read_root(xvfb_->display(), 0, kHeight - kProbeRows, kWidth, kProbeRows);
      if (wrong_pixels(bottom, kHeight - kProbeRows, seed, detail) == 0) {
        const XImage whole = client::test::read_root(xvfb_->display(), 0, 0, kWidth, kHeight);
        if (wrong_pixels(whole, 0, seed, detail) == 0) return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    } while (Clock::now() < deadline);
    return false;
  }

  static void draw(std::uint32_t seed) {
    auto drawn = vm_->run("kagami-vm-fb-draw " + std::to_string(seed));
    ASSERT_TRUE(drawn) << drawn.error().message;
    ASSERT_EQ(drawn->status, 0) << drawn->output;
  }
  static void run(const char* command) {
    auto result = vm_->run(command);
    ASSERT_TRUE(result) << result.error().message;
  }

  static Xvfb* xvfb_;
  static GuestVm* vm_;
  static ClientProcess* client_;
  static std::string* setup_error_;
};
Xvfb* VmClient::xvfb_ = nullptr;
GuestVm* VmClient::vm_ = nullptr;
ClientProcess* VmClient::client_ = nullptr;
std::string* VmClient::setup_error_ = nullptr;

TEST_F(VmClient, ClientWindowShowsTheGuestFramebufferPixelExact) {
  ASSERT_NO_FATAL_FAILURE(draw(1));
  // The client starts first and waits for the agent, as a user's client would. Window at 0,0,
  // guest size, 1:1 without upscaling, nearest filter; no cursor drawn over the picture.
  client_ = new ClientProcess(xvfb_->display(), vm_->shm_path(), kWidth, kHeight, {"--no-show-cursor"});
  ASSERT_TRUE(client_->wait_for_log("status: waiting for kagami-agent", 15000))
      << "the client did not start waiting for the agent\n"
      << client_->log();
  const auto start = Clock::now();
  ASSERT_NO_FATAL_FAILURE(run(kStartAgent));
  std::string detail;
  ASSERT_TRUE(wait_for_window(1, 30000, detail)) << detail;
  std::printf(
      "[timing] time to first frame in the client window: %.0f ms from starting the agent in the guest\n",
      ms_since(start));
  EXPECT_TRUE(client_->alive());
}

TEST_F(VmClient, EachNewPictureArrivesInTheWindowAndLatencyIsReported) {
  ASSERT_NE(client_, nullptr) << "needs the client of the first test";
  // Latency: host asks the guest to draw a new picture (control port) -> guest draws on /dev/fb0
  // -> agent polls (10 ms) and copies into the BAR -> client uploads and presents -> the last
  // rows of the window read back through X show it. The control port round trip is measured too.
  std::vector<double> latencies;
  std::vector<double> round_trips;
  for (std::uint32_t seed = 2; seed <= 11; ++seed) {
    const auto asked = Clock::now();
    ASSERT_NO_FATAL_FAILURE(draw(seed));
    std::string detail;
    ASSERT_TRUE(wait_for_window(seed, 10000, detail)) << detail;
    latencies.push_back(ms_since(asked));

    const auto pinged = Clock::now();
    ASSERT_NO_FATAL_FAILURE(run("true"));
    round_trips.push_back(ms_since(pinged));
  }
  std::printf(
      "[timing] frame latency guest draws -> visible in the client window, %zu updates: min %.0f ms, "
      "median %.0f ms, max %.0f ms (agent --poll-ms 10, accel %s); control-port round trip alone: median "
      "%.1f ms\n",
      latencies.size(), *std::min_element(latencies.begin(), latencies.end()), median(latencies),
      *std::max_element(latencies.begin(), latencies.end()), vm_->accel().c_str(), median(round_trips));
  EXPECT_TRUE(client_->alive());
}

TEST_F(VmClient, ClientRecoversByItselfWhenTheAgentRestarts) {
  ASSERT_NE(client_, nullptr) << "needs the client of the first test";
  ASSERT_NO_FATAL_FAILURE(run(kStopAgent));
  // Drawn while no agent runs: only a new agent session can bring this picture to the window.
  ASSERT_NO_FATAL_FAILURE(draw(20));
  const auto start = Clock::now();
  ASSERT_NO_FATAL_FAILURE(run(kStartAgent));
  std::string detail;
  ASSERT_TRUE(wait_for_window(20, 30000, detail)) << "after the agent restart: " << detail;
  std::printf("[timing] agent restart -> current picture in the client window: %.0f ms\n", ms_since(start));
  // And the new session is live: the next picture arrives too.
  ASSERT_NO_FATAL_FAILURE(draw(21));
  EXPECT_TRUE(wait_for_window(21, 10000, detail)) << "update after the restart: " << detail;
  EXPECT_TRUE(client_->alive()) << "the client exited";
}

}  // namespace
}  // namespace kagami::vm_test
