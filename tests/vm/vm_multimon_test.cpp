// Two guest monitors through a real VM (issue 13): a virtio-gpu with two outputs, a guest program
// that lights both connectors with a different picture each (kagami-vm-drm-heads), and two
// ivshmem devices. One static kagami-agent in the guest serves both outputs (drm capture per
// CRTC, `--output X --device ivshmem:BDF` twice); on the host the protocol layer's viewer
// (KvmfrSession, what a Looking Glass B7 client does) reads each region and checks every pixel
// against what the guest drew on that output, and the region's kagami output record (KGMO)
// against the output's name and place in the guest desktop.
//
// Found here (QEMU 7.2, Linux 6.1): under `-display none` virtio-gpu reports only its first
// output connected (no UI asks for the others); `video=Virtual-2:1024x768e` on the kernel
// command line forces the second connector on, and QEMU then shows what the guest scans out
// there (its screendump of head 1 is checked too).
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "common/clock.h"
#include "guest_suite.h"
#include "guest_vm.h"
#include "multimon_guest.h"
#include "ppm_image.h"
#include "protocol/kvmfr_frame.h"
#include "protocol/kvmfr_session.h"
#include "test_pattern.h"

namespace kagami::vm_test {
namespace {

using protocol::FrameType;
using protocol::KvmfrSession;
using protocol::ValidatedFrame;
using Clock = std::chrono::steady_clock;

using multimon::kDesktopHeight;
using multimon::kDesktopWidth;
using multimon::kGpu;
using multimon::kHeads;
using multimon::kStartHeads;
using Head = multimon::Head;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// Pixels of `frame` that differ from the picture of `seed` at the head's size; `detail` says where.
std::size_t wrong_pixels(std::span<std::byte> region, const ValidatedFrame& frame, const Head& head,
                         std::uint32_t seed, std::string& detail) {
  const bool rgba = frame.type == FrameType::rgba;
  if (frame.type != FrameType::bgra && frame.type != FrameType::bgr_32 && !rgba) {
    detail = std::string("unexpected frame type ") + protocol::frame_type_name(frame.type);
    return SIZE_MAX;
  }
  if (frame.frame_width != head.width || frame.frame_height != head.height ||
      frame.data_height < head.height) {
    detail = "frame is " + std::to_string(frame.frame_width) + "x" + std::to_string(frame.frame_height) +
             ", expected " + std::to_string(head.width) + "x" + std::to_string(head.height);
    return SIZE_MAX;
  }
  std::size_t wrong = 0;
  for (std::uint32_t y = 0; y < head.height; ++y) {
    const auto* row = reinterpret_cast<const std::uint8_t*>(region.data() + frame.pixels_offset +
                                                            static_cast<std::size_t>(y) * frame.pitch);
    for (std::uint32_t x = 0; x < head.width; ++x) {
      const std::uint8_t* p = row + static_cast<std::size_t>(x) * 4;
      const std::uint32_t got =
          (std::uint32_t{rgba ? p[0] : p[2]} << 16) | (std::uint32_t{p[1]} << 8) | (rgba ? p[2] : p[0]);
      if (got != pattern_pixel(x, y, seed) && wrong++ == 0) {
        char text[112];
        std::snprintf(text, sizeof(text), "%s: first wrong pixel (%u,%u): %06x, expected %06x (seed %u)",
                      head.name, x, y, got, pattern_pixel(x, y, seed), seed);
        detail = text;
      }
    }
  }
  return wrong;
}

class VmMultimon : public GuestSuite {
 protected:
  static void SetUpTestSuite() {
    boot(multimon::guest_options({{KAGAMI_VM_PROGRAM_KAGAMI_VM_DRM_HEADS, "/bin/kagami-vm-drm-heads"},
                                  {KAGAMI_VM_PROGRAM_KAGAMI_AGENT_STATIC, "/bin/kagami-agent"}}));
  }
  static void TearDownTestSuite() {
    for (auto& s : sessions_) s.reset();
    GuestSuite::TearDownTestSuite();
  }
  void print_diagnostics() override {
    for (const char* log : {"/tmp/heads.log", "/tmp/agent.log"}) {
      if (auto text = vm_->run(std::string("tail -n 20 ") + log, 5000))
        std::printf("--- %s ---\n%s", log, text->output.c_str());
    }
    for (std::size_t i = 0; i < 2; ++i) {
      if (sessions_[i])
        std::printf("session %zu: %s (sessions %llu, resubscribes %llu, rejected %llu, id %u)\n", i,
                    sessions_[i]->status().message.c_str(),
                    (unsigned long long)sessions_[i]->counters().sessions,
                    (unsigned long long)sessions_[i]->counters().resubscribes,
                    (unsigned long long)sessions_[i]->counters().rejected_frames, sessions_[i]->session_id());
    }
    GuestSuite::print_diagnostics();
  }

  static KvmfrSession& session(std::size_t i) {
    if (!sessions_[i]) sessions_[i] = std::make_unique<KvmfrSession>(vm_->shm(i), clock_, random_);
    return *sessions_[i];
  }

  // Polls both regions' viewers until every region with a seed in `seeds` has shown the picture
  // of its seed (true), or the timeout passes. Frames of the other regions are taken and released
  // (a region no one watches yet stays unwatched); `frames` counts every region's frames.
  static bool wait_for_pictures(const std::array<std::optional<std::uint32_t>, 2>& seeds, int timeout_ms,
                                std::string& detail, std::size_t frames[2] = nullptr) {
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    bool matched[2] = {!seeds[0], !seeds[1]};
    std::string why[2] = {"no frame arrived", "no frame arrived"};
    while (!(matched[0] && matched[1]) && Clock::now() < deadline) {
      bool idle = true;
      for (std::size_t r = 0; r < 2; ++r) {
        if (!seeds[r] && !sessions_[r]) continue;
        KvmfrSession& s = session(r);
        s.poll();
        if (!s.connected()) {
          why[r] = "session: " + s.status().message;
          continue;
        }
        auto frame = s.receive_frame();
        if (!frame) {
          why[r] = "rejected frame: " + frame.error().message;
          continue;
        }
        if (!frame->has_value()) continue;
        idle = false;
        if (frames != nullptr) ++frames[r];
        const ValidatedFrame& f = **frame;
        if (seeds[r] && !matched[r]) {
          if (protocol::wait_frame_bytes(s.region(), f, f.data_size, clock_, 2000)) {
            matched[r] = wrong_pixels(s.region(), f, kHeads[r], *seeds[r], why[r]) == 0;
          } else {
            why[r] = "the agent did not finish writing frame " + std::to_string(f.frame_serial);
          }
        }
        s.frame_done();
      }
      if (idle) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    detail.clear();
    for (std::size_t r = 0; r < 2; ++r) {
      if (!matched[r]) detail += "region " + std::to_string(r) + ": " + why[r] + "; ";
    }
    return matched[0] && matched[1];
  }
  static bool wait_for_picture(std::size_t i, std::uint32_t seed, int timeout_ms, std::string& detail,
                               std::size_t frames[2] = nullptr) {
    std::array<std::optional<std::uint32_t>, 2> seeds;
    seeds[i] = seed;
    return wait_for_pictures(seeds, timeout_ms, detail, frames);
  }

  // Screendumps head `i` until QEMU shows the picture of `seed` or 5 s pass.
  static bool display_shows(std::size_t i, std::uint32_t seed, std::string& detail) {
    const Head& head = kHeads[i];
    const auto deadline = Clock::now() + std::chrono::seconds(5);
    do {
      const std::string path = vm_->work_dir() + "/head" + std::to_string(i) + ".ppm";
      auto dumped = vm_->screendump(path, kGpu, static_cast<int>(i));
      if (!dumped) {
        detail = dumped.error().message;
        return false;
      }
      auto image = read_ppm(path);
      if (!image) {
        detail = image.error().message;
        return false;
      }
      std::size_t wrong = image->width == head.width && image->height == head.height ? 0 : SIZE_MAX;
      detail = std::string(head.name) + " shows " + std::to_string(image->width) + "x" +
               std::to_string(image->height);
      for (std::uint32_t y = 0; wrong == 0 && y < head.height; ++y) {
        for (std::uint32_t x = 0; x < head.width; ++x)
          wrong += image->pixel(x, y) != pattern_pixel(x, y, seed);
      }
      if (wrong == 0) return true;
      if (wrong != SIZE_MAX)
        detail += ", " + std::to_string(wrong) + " pixels differ from seed " + std::to_string(seed);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    } while (Clock::now() < deadline);
    return false;
  }

  static void expect_output_record(std::size_t i) {
    const auto& output = session(i).guest().output;
    ASSERT_TRUE(output.has_value()) << "region " << i << " carries no kagami output record";
    EXPECT_EQ(output->name, kHeads[i].name);
    EXPECT_EQ(output->rect, (protocol::OutputRect{kHeads[i].x, 0, kHeads[i].width, kHeads[i].height}));
    EXPECT_EQ(output->desktop, (protocol::OutputRect{0, 0, kDesktopWidth, kDesktopHeight}));
    EXPECT_EQ(output->index, i);
    EXPECT_EQ(output->count, 2u);
  }

  // Redraws one head through the drawing program's fifo.
  static void draw(std::size_t head, std::uint32_t seed) {
    auto drawn = vm_->run("echo " + std::to_string(head) + " " + std::to_string(seed) + " >/tmp/heads");
    ASSERT_TRUE(drawn) << drawn.error().message;
    ASSERT_EQ(drawn->status, 0) << drawn->output;
  }

  static inline MonotonicClock clock_;
  static inline SystemRandom random_;
  static inline std::unique_ptr<KvmfrSession> sessions_[2];
};

TEST_F(VmMultimon, GuestShowsADifferentPictureOnEachOutput) {
  auto started = vm().run(kStartHeads);
  ASSERT_TRUE(started) << started.error().message;
  auto log = vm().run_until("cat /tmp/heads.log", "ready", 10000);
  ASSERT_TRUE(log) << log.error().message;
  EXPECT_NE(log->output.find("head 0: Virtual-1 crtc"), std::string::npos) << log->output;
  EXPECT_NE(log->output.find("1280x720 at 0,0"), std::string::npos) << log->output;
  EXPECT_NE(log->output.find("head 1: Virtual-2 crtc"), std::string::npos) << log->output;
  EXPECT_NE(log->output.find("1024x768 at 1280,0"), std::string::npos) << log->output;
  for (std::size_t i = 0; i < 2; ++i) {
    std::string detail;
    EXPECT_TRUE(display_shows(i, static_cast<std::uint32_t>(i + 1), detail)) << detail;
  }
}

TEST_F(VmMultimon, OneAgentPublishesEachOutputIntoItsOwnRegion) {
  const auto start = Clock::now();
  auto started = vm().run(multimon::start_agent_command());
  ASSERT_TRUE(started) << started.error().message;
  std::string detail;
  ASSERT_TRUE(wait_for_pictures({1, 2}, 30000, detail)) << detail;
  std::printf("[timing] both regions' first frames %.0f ms after starting the agent (accel %s)\n",
              ms_since(start), vm().accel().c_str());
  for (std::size_t i = 0; i < 2; ++i) expect_output_record(i);
}

TEST_F(VmMultimon, AChangeOnOneOutputReachesOnlyItsRegion) {
  for (const std::size_t changed : {std::size_t{1}, std::size_t{0}}) {
    const std::uint32_t seed = 5 + static_cast<std::uint32_t>(changed);
    std::size_t frames[2] = {0, 0};
    draw(changed, seed);
    std::string detail;
    ASSERT_TRUE(wait_for_picture(changed, seed, 10000, detail, frames)) << detail;
    // The other output's picture did not change, so its region got no frame (its poll loop
    // compares each read with the last one); give it a few more polls to misbehave.
    (void)wait_for_picture(changed, seed + 100, 300, detail, frames);
    EXPECT_EQ(frames[1 - changed], 0u)
        << "region " << 1 - changed << " got frames while only " << kHeads[changed].name << " changed";
  }
}

// A Looking Glass B7 client knows nothing of outputs: attached to the second region alone (the
// first one unwatched) it must see the second output, whole and exact.
TEST_F(VmMultimon, AViewerOfTheSecondRegionAloneSeesTheSecondOutput) {
  for (auto& s : sessions_) s.reset();
  std::string detail;
  ASSERT_TRUE(wait_for_picture(1, 6, 10000, detail)) << detail;  // as the test before left it
  EXPECT_EQ(sessions_[0], nullptr);
  expect_output_record(1);
}

// A monitor switched off: its output's capture is lost and retried inside the same session (the
// region's heartbeat goes on, so a viewer keeps its last picture), while the other output
// carries on; switched on again at the same place, its pictures flow again.
TEST_F(VmMultimon, AnOutputSwitchedOffPausesItsRegionAloneAndComesBack) {
  const auto session_before = session(1).session_id();
  auto off = vm().run("echo off 1 >/tmp/heads");
  ASSERT_TRUE(off) << off.error().message;
  auto lost = vm().run_until("cat /tmp/agent.log", "no active output 'Virtual-2'", 10000);
  ASSERT_TRUE(lost) << lost.error().message;
  // Longer than a viewer waits for a heartbeat (1 s): region 2 stays a live session.
  const auto watch_until = Clock::now() + std::chrono::milliseconds(1500);
  while (Clock::now() < watch_until) {
    ASSERT_TRUE(session(1).poll().state == protocol::SessionState::connected) << session(1).status().message;
    if (auto frame = session(1).receive_frame(); frame && frame->has_value()) session(1).frame_done();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }

  draw(0, 9);  // the other output goes on meanwhile
  std::string detail;
  ASSERT_TRUE(wait_for_picture(0, 9, 10000, detail)) << detail;

  auto on = vm().run("echo on 1 >/tmp/heads");
  ASSERT_TRUE(on) << on.error().message;
  draw(1, 10);
  ASSERT_TRUE(wait_for_picture(1, 10, 15000, detail)) << detail;
  EXPECT_EQ(session(1).session_id(), session_before) << "the same place needs no new session";
  expect_output_record(1);
}

// Xorg's modesetting driver scans every monitor out of one desktop-wide buffer; the drm backend
// must then send each output its own part of it, not the whole desktop. The heads move to such a
// buffer at once (a new framebuffer under each CRTC, as a compositor's page flip).
TEST_F(VmMultimon, OutputsSharingOneFramebufferAreCroppedEach) {
  auto moved = vm().run("echo shared 7 8 >/tmp/heads");
  ASSERT_TRUE(moved) << moved.error().message;
  auto log = vm().run_until("cat /tmp/heads.log", "shared buffer", 10000);
  ASSERT_TRUE(log) << log.error().message;
  std::string detail;
  ASSERT_TRUE(wait_for_pictures({7, 8}, 15000, detail)) << detail;
  for (std::size_t i = 0; i < 2; ++i) expect_output_record(i);
  draw(1, 11);  // and a change in the shared buffer reaches output 2's region
  EXPECT_TRUE(wait_for_picture(1, 11, 10000, detail)) << detail;
  EXPECT_TRUE(display_shows(0, 7, detail)) << detail;  // what QEMU shows agrees
  EXPECT_TRUE(display_shows(1, 11, detail)) << detail;
}

// Xorg's monitors need not sit side by side: here the second one moves below the first, both
// scanned out of one buffer. The drm backend takes each output's place from where its CRTC's
// viewport lies in that buffer, notices the move within a second, and gives the moved output a
// new session with its new record; the one that stayed keeps its place.
TEST_F(VmMultimon, OutputsStackedInOneFramebufferReportTheirPlace) {
  auto moved = vm().run("echo stacked 12 13 >/tmp/heads");
  ASSERT_TRUE(moved) << moved.error().message;
  auto log = vm().run_until("cat /tmp/heads.log", "stacked buffer", 10000);
  ASSERT_TRUE(log) << log.error().message;
  std::string detail;
  ASSERT_TRUE(wait_for_pictures({12, 13}, 15000, detail)) << detail;
  const protocol::OutputRect below{0, static_cast<std::int32_t>(kHeads[0].height), kHeads[1].width,
                                   kHeads[1].height};
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < deadline &&
         !(session(1).guest().output && session(1).guest().output->rect == below)) {
    (void)wait_for_picture(1, 13, 200, detail);  // polls: a new session attaches meanwhile
  }
  const auto& output = session(1).guest().output;
  ASSERT_TRUE(output.has_value());
  EXPECT_EQ(output->rect, below);
  EXPECT_EQ(output->desktop,
            (protocol::OutputRect{0, 0, kHeads[0].width, kHeads[0].height + kHeads[1].height}));
  ASSERT_TRUE(session(0).guest().output.has_value());
  EXPECT_EQ(session(0).guest().output->rect, (protocol::OutputRect{0, 0, kHeads[0].width, kHeads[0].height}));
  draw(1, 14);  // the new session carries the moved output's own rows of the buffer
  EXPECT_TRUE(wait_for_picture(1, 14, 10000, detail)) << detail;
  EXPECT_TRUE(display_shows(1, 14, detail)) << detail;  // what QEMU shows agrees
}

}  // namespace
}  // namespace kagami::vm_test
