// End to end through a real VM: a guest program draws known pictures on the guest framebuffer,
// the real kagami-agent (static, inside the guest) captures them and publishes them into the
// ivshmem BAR, and the host reads them from the /dev/shm file with the protocol's KvmfrSession,
// checking every pixel. Also restarts the agent and checks the session recovers. Prints time to
// first frame and frame latency through the VM (not gating).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "guest_suite.h"
#include "guest_vm.h"
#include "protocol/kvmfr_frame.h"
#include "protocol/kvmfr_session.h"
#include "test_pattern.h"

namespace kagami::vm_test {
namespace {

using protocol::FrameType;
using protocol::KvmfrSession;
using protocol::ValidatedFrame;
using Clock = std::chrono::steady_clock;

constexpr std::uint32_t kWidth = 1280;
constexpr std::uint32_t kHeight = 720;
constexpr char kStartAgent[] =
    "kagami-agent --device ivshmem --capture fb --poll-ms 10 >>/tmp/agent.log 2>&1 &";
constexpr char kStopAgent[] =
    "kill $(pidof kagami-agent); while pidof kagami-agent >/dev/null; do sleep 0.05; done";

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// Number of pixels of `frame` that differ from the test picture of `seed`; `detail` says where.
std::size_t wrong_pixels(std::span<std::byte> region, const ValidatedFrame& frame, std::uint32_t seed,
                         std::string& detail) {
  const bool rgba = frame.type == FrameType::rgba;
  if (frame.type != FrameType::bgra && frame.type != FrameType::bgr_32 && !rgba) {
    detail = std::string("unexpected frame type ") + protocol::frame_type_name(frame.type);
    return SIZE_MAX;
  }
  if (frame.frame_width != kWidth || frame.frame_height != kHeight || frame.data_height < kHeight) {
    detail = "frame is " + std::to_string(frame.frame_width) + "x" + std::to_string(frame.frame_height);
    return SIZE_MAX;
  }
  std::size_t wrong = 0;
  for (std::uint32_t y = 0; y < kHeight; ++y) {
    const auto* row = reinterpret_cast<const std::uint8_t*>(region.data() + frame.pixels_offset +
                                                            static_cast<std::size_t>(y) * frame.pitch);
    for (std::uint32_t x = 0; x < kWidth; ++x) {
      const std::uint8_t* p = row + static_cast<std::size_t>(x) * 4;
      const std::uint32_t red = rgba ? p[0] : p[2];
      const std::uint32_t blue = rgba ? p[2] : p[0];
      const std::uint32_t got = (red << 16) | (std::uint32_t{p[1]} << 8) | blue;
      if (got != pattern_pixel(x, y, seed) && wrong++ == 0) {
        char text[96];
        std::snprintf(text, sizeof(text), "first wrong pixel (%u,%u): %06x, expected %06x", x, y, got,
                      pattern_pixel(x, y, seed));
        detail = text;
      }
    }
  }
  return wrong;
}

class VmAgent : public GuestSuite {
 protected:
  static void SetUpTestSuite() {
    VmOptions options;
    options.assets_dir = KAGAMI_VM_ASSETS;
    options.files = {{KAGAMI_VM_PROGRAM_KAGAMI_VM_FB_DRAW, "/bin/kagami-vm-fb-draw"},
                     {KAGAMI_VM_PROGRAM_KAGAMI_AGENT_STATIC, "/bin/kagami-agent"}};
    boot(std::move(options));
    if (vm_) session_ = std::make_unique<KvmfrSession>(vm_->shm(), clock_, random_);
  }
  static void TearDownTestSuite() {
    session_.reset();
    GuestSuite::TearDownTestSuite();
  }
  void print_diagnostics() override {
    if (auto log = vm_->run("tail -n 30 /tmp/agent.log", 5000))
      std::printf("--- agent log ---\n%s", log->output.c_str());
    std::printf("session: %s\n", session_->status().message.c_str());
    GuestSuite::print_diagnostics();
  }

  // Runs the session until a frame showing the picture of `seed` arrives (returns true), or the
  // timeout passes; `detail` then says what the last frame looked like.
  static bool wait_for_picture(std::uint32_t seed, int timeout_ms, std::string& detail) {
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    detail = "no frame arrived";
    while (Clock::now() < deadline) {
      session_->poll();
      if (!session_->connected()) {
        detail = "session: " + session_->status().message;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        continue;
      }
      auto frame = session_->receive_frame();
      if (!frame) {
        detail = "rejected frame: " + frame.error().message;
        continue;
      }
      if (!frame->has_value()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        continue;
      }
      const ValidatedFrame& f = **frame;
      bool match = false;
      if (protocol::wait_frame_bytes(session_->region(), f, f.data_size, clock_, 2000)) {
        match = wrong_pixels(session_->region(), f, seed, detail) == 0;
      } else {
        detail = "the agent did not finish writing frame " + std::to_string(f.frame_serial);
      }
      session_->frame_done();
      if (match) return true;
    }
    return false;
  }

  static inline MonotonicClock clock_;
  static inline SystemRandom random_;
  static inline std::unique_ptr<KvmfrSession> session_;
};

TEST_F(VmAgent, HostReceivesTheGuestFramebufferThroughTheAgent) {
  auto drawn = vm().run("kagami-vm-fb-draw 1");
  ASSERT_TRUE(drawn) << drawn.error().message;
  ASSERT_EQ(drawn->status, 0) << drawn->output;

  const auto start = Clock::now();
  auto started = vm().run(kStartAgent);
  ASSERT_TRUE(started) << started.error().message;
  std::string detail;
  ASSERT_TRUE(wait_for_picture(1, 30000, detail)) << detail;
  std::printf("[timing] time to first frame: %.0f ms from starting the agent in the guest (accel %s)\n",
              ms_since(start), vm().accel().c_str());
  ASSERT_TRUE(session_->guest().os.has_value()) << "the agent sent no OS information";
  EXPECT_EQ(session_->guest().os->os, static_cast<std::uint8_t>(protocol::KvmfrOs::linux));
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

TEST_F(VmAgent, EachNewPictureArrivesAndLatencyIsReported) {
  // Latency through the VM: from the host asking the guest to draw a new picture until the host
  // has the whole new frame (control-port command + guest draw + capture poll + copy into the
  // BAR + host read). The control port's own round trip is measured too, for context.
  std::vector<double> latencies;
  std::vector<double> round_trips;
  for (std::uint32_t seed = 2; seed <= 11; ++seed) {
    const auto asked = Clock::now();
    auto drawn = vm().run("kagami-vm-fb-draw " + std::to_string(seed));
    ASSERT_TRUE(drawn) << drawn.error().message;
    ASSERT_EQ(drawn->status, 0) << drawn->output;
    std::string detail;
    ASSERT_TRUE(wait_for_picture(seed, 10000, detail)) << "seed " << seed << ": " << detail;
    latencies.push_back(ms_since(asked));

    const auto pinged = Clock::now();
    ASSERT_TRUE(vm().run("true"));
    round_trips.push_back(ms_since(pinged));
  }
  std::printf(
      "[timing] frame latency through the VM (host asks for a new picture -> host has the whole "
      "frame), %zu updates: min %.0f ms, median %.0f ms, max %.0f ms (agent --poll-ms 10, accel %s); "
      "control-port round trip alone: median %.1f ms\n",
      latencies.size(), *std::min_element(latencies.begin(), latencies.end()), median(latencies),
      *std::max_element(latencies.begin(), latencies.end()), vm().accel().c_str(), median(round_trips));
}

TEST_F(VmAgent, SessionRecoversWhenTheAgentRestarts) {
  const auto sessions_before = session_->counters().sessions;
  auto stopped = vm().run(kStopAgent);
  ASSERT_TRUE(stopped) << stopped.error().message;
  auto drawn = vm().run("kagami-vm-fb-draw 7");
  ASSERT_TRUE(drawn) << drawn.error().message;
  const auto start = Clock::now();
  auto restarted = vm().run(kStartAgent);
  ASSERT_TRUE(restarted) << restarted.error().message;
  std::string detail;
  ASSERT_TRUE(wait_for_picture(7, 30000, detail)) << detail;
  EXPECT_GT(session_->counters().sessions, sessions_before) << "the picture came without a new session";
  std::printf("[timing] agent restart -> first frame of the new session: %.0f ms\n", ms_since(start));
}

// The DRM backend reads the CRTC's framebuffer (what the display scans out), not /dev/fb0.
TEST_F(VmAgent, DrmCaptureBackendPublishesThePictureToo) {
  auto stopped = vm().run(kStopAgent);
  ASSERT_TRUE(stopped) << stopped.error().message;
  auto drawn = vm().run("kagami-vm-fb-draw 8");
  ASSERT_TRUE(drawn) << drawn.error().message;
  auto started = vm().run("kagami-agent --device ivshmem --capture drm --poll-ms 10 >>/tmp/agent.log 2>&1 &");
  ASSERT_TRUE(started) << started.error().message;
  std::string detail;
  ASSERT_TRUE(wait_for_picture(8, 30000, detail)) << detail;
  auto redrawn = vm().run("kagami-vm-fb-draw 9");
  ASSERT_TRUE(redrawn) << redrawn.error().message;
  EXPECT_TRUE(wait_for_picture(9, 10000, detail)) << detail;
}

}  // namespace
}  // namespace kagami::vm_test
