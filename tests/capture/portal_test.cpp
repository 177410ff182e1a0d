// The portal backend end to end with the real desktop stack on a private headless sway: under
// dbus-run-session, PipeWire + WirePlumber, xdg-desktop-portal (activated on the bus) with
// xdg-desktop-portal-wlr (chooser off, HEADLESS-1 by name in its config), and the real
// kagami-agent --capture portal as the session's user, into a /dev/shm file that a KvmfrSession
// reads. xdg-desktop-portal-wlr sees sway through WaylandVersionProxy, which announces a DMA-BUF
// format for each screen-copy frame (see its header: the Debian 12 portal refuses to cast from a
// compositor without one); the portal still negotiates shared memory with kagami, since kagami
// asks for no DMA-BUF, and copies with wl_shm as before.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <memory>

#include "portal_stack.h"
#include "reader.h"
#include "sway_session.h"
#include "wayland_painter.h"

namespace kagami {
namespace {

using namespace std::chrono_literals;

std::uint32_t gradient(std::uint32_t x, std::uint32_t y) {
  return ((x & 0xff) << 16) | ((y & 0xff) << 8) | (((x >> 8) | ((y >> 8) << 3)) & 0x3f) | 0x80;
}

bool frame_is(const testing::ReceivedFrame& f, std::uint32_t width, std::uint32_t height,
              const std::function<std::uint32_t(std::uint32_t, std::uint32_t)>& rgb, std::string* why) {
  if (f.info.frame_width != width || f.info.frame_height != height || !f.complete) {
    *why = "size " + std::to_string(f.info.frame_width) + "x" + std::to_string(f.info.frame_height);
    return false;
  }
  for (std::uint32_t y = 0; y < height; ++y) {
    const auto* row = reinterpret_cast<const std::uint8_t*>(f.pixels.data()) + std::size_t{y} * f.info.pitch;
    for (std::uint32_t x = 0; x < width; ++x) {
      const std::uint8_t* p = row + std::size_t{x} * 4;
      // BGRA or RGBA, whichever the stream negotiated.
      const bool rgba = f.info.type == protocol::FrameType::rgba;
      const std::uint32_t got = rgba ? (std::uint32_t{p[0]} << 16) | (std::uint32_t{p[1]} << 8) | p[2]
                                     : (std::uint32_t{p[2]} << 16) | (std::uint32_t{p[1]} << 8) | p[0];
      if (got != rgb(x, y)) {
        char text[96];
        std::snprintf(text, sizeof text, "(%u, %u) is %06x, expected %06x", x, y, got, rgb(x, y));
        *why = text;
        return false;
      }
    }
  }
  return true;
}

using testing::PortalRun;

// Reads frames until one matches `rgb`. xdg-desktop-portal-wlr casts only changes, and a change
// made before its first copy request is never sent: `nudge` (when given) recommits the screen's
// content every 2 s without a match.
bool wait_for(PortalRun& run, std::uint32_t width, std::uint32_t height,
              const std::function<std::uint32_t(std::uint32_t, std::uint32_t)>& rgb, std::string* why,
              testing::ReceivedFrame* matched = nullptr, const std::function<void()>& nudge = {}) {
  const auto deadline = std::chrono::steady_clock::now() + 15s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto frame = run.reader().next_frame(2s);
    if (frame && frame_is(*frame, width, height, rgb, why)) {
      if (matched) *matched = std::move(*frame);
      return true;
    }
    if (!frame && nudge) nudge();
  }
  *why += "\nsession log:\n" + run.log();
  return false;
}

class PortalCapture : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    sway_ = new testing::SwaySession();
    if (sway_->error().empty()) stack_ = new testing::PortalStack(*sway_);
  }
  static void TearDownTestSuite() {
    delete stack_;
    delete sway_;
  }
  void SetUp() override {
    if (!sway_->error().empty()) GTEST_SKIP() << "no headless sway here: " << sway_->error();
    if (!stack_->error().empty()) GTEST_SKIP() << stack_->error();
  }
  static testing::SwaySession* sway_;
  static testing::PortalStack* stack_;
};
testing::SwaySession* PortalCapture::sway_ = nullptr;
testing::PortalStack* PortalCapture::stack_ = nullptr;

TEST_F(PortalCapture, FramesAndDamageThroughPipeWireThenTheRestoreToken) {
  std::string why;
  {
    PortalRun run(*sway_, KAGAMI_AGENT_PATH, "first");
    ASSERT_TRUE(run.log_says("PipeWire stream streaming")) << run.log();
    testing::WaylandPainter painter(sway_->socket_path());
    ASSERT_TRUE(painter.show(gradient)) << painter.error();
    ASSERT_TRUE(wait_for(run, 1280, 720, gradient, &why, nullptr, [&] { painter.redraw(); })) << why;
    EXPECT_EQ(run.reader().session().guest().vm->capture, "portal");

    ASSERT_TRUE(painter.update(500, 300, 64, 32, 0xC0FFEE)) << painter.error();
    const auto& image = painter.image();
    testing::ReceivedFrame frame;
    ASSERT_TRUE(wait_for(
        run, 1280, 720, [&](auto x, auto y) { return image[std::size_t{y} * 1280 + x]; }, &why, &frame))
        << why;
    // xdg-desktop-portal-wlr passes the compositor's damage as SPA_META_VideoDamage.
    ASSERT_FALSE(frame.info.damage.empty()) << "the change came as a full frame";
    std::uint64_t damaged = 0;
    bool covered = false;
    for (const auto& r : frame.info.damage) {
      covered |= r.x <= 500 && r.y <= 300 && r.x + r.width >= 564 && r.y + r.height >= 332;
      damaged += std::uint64_t{r.width} * r.height;
    }
    EXPECT_TRUE(covered) << "no damage rect covers the change";
    EXPECT_LT(damaged, 1280u * 720u / 4) << "damage much larger than the change";
    run.stop();
    EXPECT_NE(run.log().find("permission saved to"), std::string::npos) << run.log();
  }
  // The second start uses the kept restore token (nobody would be asked).
  PortalRun again(*sway_, KAGAMI_AGENT_PATH, "second");
  ASSERT_TRUE(again.log_says("PipeWire stream streaming")) << again.log();
  testing::WaylandPainter painter(sway_->socket_path());
  ASSERT_TRUE(painter.show(gradient)) << painter.error();
  ASSERT_TRUE(wait_for(again, 1280, 720, gradient, &why, nullptr, [&] { painter.redraw(); })) << why;
  again.stop();
  EXPECT_NE(again.log().find("permission restored from"), std::string::npos) << again.log();
}

TEST_F(PortalCapture, DecliningIsAClearError) {
  PortalRun run(*sway_, KAGAMI_AGENT_PATH, "declined", "xdg-decline", "portal-token-declined");
  EXPECT_TRUE(run.log_says("the user declined screen sharing")) << run.log();
}

TEST_F(PortalCapture, NoSessionBusIsAClearError) {
  const std::string log = sway_->runtime_dir() + "/portal-nobus.log";
  const std::string region = "/dev/shm/kagami-portal-test-nobus-" + std::to_string(::getpid());
  ::close(::open(region.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600));
  ::truncate(region.c_str(), 32 << 20);
  sway_->give(region);
  const pid_t pid =
      sway_->spawn({sway_->install(KAGAMI_AGENT_PATH), "--shm", region, "--capture", "portal"}, log,
                   {"DBUS_SESSION_BUS_ADDRESS=unix:path=" + sway_->runtime_dir() + "/no-bus"});
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::unlink(region.c_str());
  const std::string text = testing::read_text(log);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 0) << text;
  EXPECT_NE(text.find("no D-Bus session bus"), std::string::npos) << text;
}

}  // namespace
}  // namespace kagami
