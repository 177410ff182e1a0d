// The wlr backend end to end on a private headless sway: the real kagami-agent, run as the
// session's user, publishes an output into a /dev/shm file that the protocol layer's viewer
// (a KvmfrSession) reads. Pixel-exact against the solid background and a client window this
// test draws; damage of a change; the second output by name; --capture auto on Wayland.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <memory>

#include "capture/wlr/wlr_backend.h"
#include "common/clock.h"
#include "reader.h"
#include "sway_session.h"
#include "wayland_painter.h"
#include "wayland_version_proxy.h"

namespace kagami {
namespace {

using namespace std::chrono_literals;

// The window's image: every pixel different from its neighbours, none equal to a background.
std::uint32_t gradient(std::uint32_t x, std::uint32_t y) {
  return ((x & 0xff) << 16) | ((y & 0xff) << 8) | (((x >> 8) | ((y >> 8) << 3)) & 0x3f) | 0x80;
}

// Pixels of a BGRA frame (B, G, R, X bytes; the X byte is not compared).
bool frame_is(const testing::ReceivedFrame& f, std::uint32_t width, std::uint32_t height,
              const std::function<std::uint32_t(std::uint32_t, std::uint32_t)>& rgb,
              std::string* first_wrong) {
  if (f.info.frame_width != width || f.info.frame_height != height || !f.complete) {
    *first_wrong = "size " + std::to_string(f.info.frame_width) + "x" + std::to_string(f.info.frame_height);
    return false;
  }
  for (std::uint32_t y = 0; y < height; ++y) {
    const auto* row = reinterpret_cast<const std::uint8_t*>(f.pixels.data()) + std::size_t{y} * f.info.pitch;
    for (std::uint32_t x = 0; x < width; ++x) {
      const std::uint8_t* p = row + std::size_t{x} * 4;
      const std::uint32_t got = (std::uint32_t{p[2]} << 16) | (std::uint32_t{p[1]} << 8) | p[0];
      if (got != rgb(x, y)) {
        char text[96];
        std::snprintf(text, sizeof text, "(%u, %u) is %06x, expected %06x", x, y, got, rgb(x, y));
        *first_wrong = text;
        return false;
      }
    }
  }
  return true;
}

class ShmFile {
 public:
  explicit ShmFile(std::size_t size)
      : path_("/dev/shm/kagami-wlr-test-" + std::to_string(::getpid())), size_(size) {
    const int fd = ::open(path_.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd >= 0 && ::ftruncate(fd, static_cast<off_t>(size)) == 0) {
      void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
      if (p != MAP_FAILED) map_ = static_cast<std::byte*>(p);
    }
    if (fd >= 0) ::close(fd);
  }
  ~ShmFile() {
    if (map_) ::munmap(map_, size_);
    ::unlink(path_.c_str());
  }
  const std::string& path() const { return path_; }
  std::span<std::byte> bytes() const { return {map_, size_}; }

 private:
  std::string path_;
  std::size_t size_;
  std::byte* map_ = nullptr;
};

// The agent as the session's user, publishing into a fresh region; stopped with SIGTERM.
class Agent {
 public:
  Agent(const testing::SwaySession& sway, const std::vector<std::string>& args,
        const std::vector<std::string>& env = {})
      : region_(32 << 20), log_(sway.base_dir() + "/agent-" + std::to_string(++count_) + ".log") {
    sway.give(region_.path());
    std::vector<std::string> argv = {sway.install(KAGAMI_AGENT_PATH), "--shm", region_.path(), "--log-level",
                                     "debug"};
    argv.insert(argv.end(), args.begin(), args.end());
    pid_ = sway.spawn(argv, log_, env);
    reader_ = std::make_unique<testing::Reader>(region_.bytes());
  }
  ~Agent() { stop(); }
  testing::Reader& reader() { return *reader_; }
  std::string log() const { return testing::read_text(log_); }
  // Exit status after SIGTERM (or after it ended by itself), -1 if it did not exit normally.
  int stop() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
      exit_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      pid_ = -1;
    }
    return exit_;
  }
  // Waits for the agent to end by itself.
  int wait_exit(std::chrono::seconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (pid_ > 0 && std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        exit_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        pid_ = -1;
      }
      std::this_thread::sleep_for(10ms);
    }
    return pid_ > 0 ? -2 : exit_;
  }

 private:
  static inline int count_ = 0;
  ShmFile region_;
  std::string log_;
  pid_t pid_ = -1;
  int exit_ = -1;
  std::unique_ptr<testing::Reader> reader_;
};

class WlrCapture : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { sway_ = new testing::SwaySession(); }
  static void TearDownTestSuite() {
    delete sway_;
    sway_ = nullptr;
  }
  void SetUp() override {
    if (!sway_->error().empty()) GTEST_SKIP() << "no headless sway here: " << sway_->error();
  }
  static testing::SwaySession* sway_;
};
testing::SwaySession* WlrCapture::sway_ = nullptr;

// Reads frames until one matches `rgb` (the compositor may still be drawing); false on timeout,
// when the agent is stopped.
bool wait_for(Agent& agent, std::uint32_t width, std::uint32_t height,
              const std::function<std::uint32_t(std::uint32_t, std::uint32_t)>& rgb, std::string* why,
              testing::ReceivedFrame* matched = nullptr) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto frame = agent.reader().next_frame(2s);
    if (!frame) continue;
    if (frame_is(*frame, width, height, rgb, why)) {
      if (matched) *matched = std::move(*frame);
      return true;
    }
  }
  // The agent's log is its stdout, a file: fully buffered until it exits.
  agent.stop();
  *why += "\nagent log:\n" + agent.log();
  return false;
}

TEST_F(WlrCapture, OutputPixelExactThenAWindowAndItsDamage) {
  Agent agent(*sway_, {"--capture", "wlr", "--wlr-output", "HEADLESS-1"});
  std::string why;
  // 1. The background, every pixel.
  ASSERT_TRUE(wait_for(
      agent, 1280, 720, [](auto, auto) { return testing::SwaySession::kBackground1; }, &why))
      << why;
  EXPECT_EQ(agent.reader().session().guest().vm->capture, "wlr");

  // 2. A window covering the output, every pixel.
  testing::WaylandPainter painter(sway_->socket_path());
  ASSERT_TRUE(painter.show(gradient)) << painter.error();
  ASSERT_EQ(painter.width(), 1280u);
  ASSERT_EQ(painter.height(), 720u);
  ASSERT_TRUE(wait_for(agent, 1280, 720, gradient, &why)) << why;

  // 3. One rectangle changes: the frame that shows it announces damage covering it, and less than
  //    the whole screen (the protocol's damage, not a full frame).
  ASSERT_TRUE(painter.update(500, 300, 64, 32, 0xC0FFEE)) << painter.error();
  const auto& image = painter.image();
  testing::ReceivedFrame frame;
  ASSERT_TRUE(wait_for(
      agent, 1280, 720, [&](auto x, auto y) { return image[std::size_t{y} * 1280 + x]; }, &why, &frame))
      << why;
  ASSERT_FALSE(frame.info.damage.empty()) << "the change came as a full frame";
  bool covered = false;
  std::uint64_t damaged = 0;
  for (const auto& r : frame.info.damage) {
    covered |= r.x <= 500 && r.y <= 300 && r.x + r.width >= 564 && r.y + r.height >= 332;
    damaged += std::uint64_t{r.width} * r.height;
  }
  EXPECT_TRUE(covered) << "no damage rect covers the change";
  EXPECT_LT(damaged, 1280u * 720u / 4) << "damage much larger than the change";

  EXPECT_EQ(agent.stop(), 0) << agent.log();
  EXPECT_NE(agent.log().find("capture: wlr"), std::string::npos) << agent.log();
}

// The backend in this process, so that the test decides when capture() runs: a change that sway
// draws while the agent is elsewhere (publishing the previous frame, say) is copied meanwhile,
// into the second of the copies kept requested, so the next capture() returns a frame sway copied
// *before* that call. (With one copy in flight, the next copy was only requested inside
// capture(), a round trip later: the frame came from an output commit after the call, one frame
// interval late, and whatever sway showed in between was never captured.)
TEST_F(WlrCapture, AChangeDrawnWhileTheAgentIsAwayIsCopiedMeanwhile) {
  testing::WaylandPainter painter(sway_->socket_path());
  ASSERT_TRUE(painter.show(gradient)) << painter.error();
  capture::WlrBackend backend(capture::WlrConfig{sway_->socket_path(), "HEADLESS-1", false});
  ASSERT_TRUE(backend.start()) << backend.last_error();
  std::vector<std::byte> pixels(std::size_t{1280} * 720 * 4);
  capture::FrameTarget target;
  target.pixels = pixels;
  target.pitch = 1280 * 4;
  const auto rgb_at = [&](std::uint32_t x, std::uint32_t y) {
    const std::byte* p = pixels.data() + (std::size_t{y} * 1280 + x) * 4;
    return (std::to_integer<std::uint32_t>(p[2]) << 16) | (std::to_integer<std::uint32_t>(p[1]) << 8) |
           std::to_integer<std::uint32_t>(p[0]);
  };
  // The window captured, then until sway has nothing more to show (what earlier tests left).
  capture::CaptureEvent event;
  for (int i = 0; i < 100; ++i) {
    const auto status = backend.capture(150ms, &event);
    if (status == capture::CaptureStatus::timeout && rgb_at(1000, 600) == gradient(1000, 600)) break;
    if (status == capture::CaptureStatus::ok && event.frame) {
      ASSERT_EQ(backend.read_pixels(target, {}), capture::CaptureStatus::ok) << backend.last_error();
    }
  }
  ASSERT_EQ(rgb_at(1000, 600), gradient(1000, 600)) << "the window never arrived";
  // A first change, captured: capture() has just returned a frame...
  ASSERT_TRUE(painter.update(100, 100, 64, 32, 0x112233)) << painter.error();
  ASSERT_EQ(backend.capture(5s, &event), capture::CaptureStatus::ok) << backend.last_error();
  ASSERT_EQ(backend.read_pixels(target, {}), capture::CaptureStatus::ok) << backend.last_error();
  ASSERT_EQ(rgb_at(110, 110), 0x112233u);

  // ... and the agent is away from capture() (publishing it): a second change, drawn by sway.
  ASSERT_TRUE(painter.update_and_wait_drawn(700, 400, 64, 32, 0x445566)) << painter.error();
  const std::uint64_t back = monotonic_ns();

  ASSERT_EQ(backend.capture(5s, &event), capture::CaptureStatus::ok) << backend.last_error();
  ASSERT_TRUE(event.frame);
  EXPECT_LT(backend.frame_commit_ns(), back) << "the frame was copied only after capture() was called";
  ASSERT_EQ(backend.read_pixels(target, {}), capture::CaptureStatus::ok) << backend.last_error();
  EXPECT_EQ(rgb_at(710, 410), 0x445566u);
  EXPECT_EQ(rgb_at(1000, 600), gradient(1000, 600));
  ASSERT_FALSE(event.full_damage);
  EXPECT_TRUE(std::any_of(event.damage.begin(), event.damage.end(), [](const capture::Rect& r) {
    return r.x <= 700 && r.y <= 400 && r.x + r.width >= 764 && r.y + r.height >= 432;
  })) << "no damage rect covers the change";
}

// A compositor with screen-copy version 1 (no copy_with_damage: every copy is answered at the
// next commit, whole): the backend keeps one copy requested, and changes still arrive, as whole
// frames. (WaylandVersionProxy lowers the version sway announces.)
TEST_F(WlrCapture, AVersion1CompositorGivesWholeFrames) {
  testing::WaylandVersionProxy proxy(sway_->socket_path(), sway_->runtime_dir() + "/wayland-v1",
                                     "zwlr_screencopy_manager_v1", 1, /*fake_dmabuf=*/false, sway_->uid(),
                                     sway_->gid());
  ASSERT_TRUE(proxy.error().empty()) << proxy.error();
  testing::WaylandPainter painter(sway_->socket_path());
  ASSERT_TRUE(painter.show(gradient)) << painter.error();
  capture::WlrBackend backend(capture::WlrConfig{sway_->runtime_dir() + "/wayland-v1", "HEADLESS-1", false});
  ASSERT_TRUE(backend.start()) << backend.last_error();
  EXPECT_EQ(backend.protocol_version(), 1u);
  std::vector<std::byte> pixels(std::size_t{1280} * 720 * 4);
  capture::FrameTarget target;
  target.pixels = pixels;
  target.pitch = 1280 * 4;
  const auto rgb_at = [&](std::uint32_t x, std::uint32_t y) {
    const std::byte* p = pixels.data() + (std::size_t{y} * 1280 + x) * 4;
    return (std::to_integer<std::uint32_t>(p[2]) << 16) | (std::to_integer<std::uint32_t>(p[1]) << 8) |
           std::to_integer<std::uint32_t>(p[0]);
  };
  const auto capture_until = [&](std::uint32_t x, std::uint32_t y, std::uint32_t rgb, bool* all_whole) {
    capture::CaptureEvent event;
    for (int i = 0; i < 100 && rgb_at(x, y) != rgb; ++i) {
      if (painter.width() && i % 10 == 9) painter.redraw();  // v1 copies come at the next commit
      if (backend.capture(200ms, &event) != capture::CaptureStatus::ok || !event.frame) continue;
      *all_whole = *all_whole && event.full_damage;
      if (backend.read_pixels(target, {}) != capture::CaptureStatus::ok) return false;
    }
    return rgb_at(x, y) == rgb;
  };
  bool whole = true;
  ASSERT_TRUE(capture_until(1000, 600, gradient(1000, 600), &whole)) << backend.last_error();
  ASSERT_TRUE(painter.update(700, 400, 64, 32, 0x445566)) << painter.error();
  ASSERT_TRUE(capture_until(710, 410, 0x445566, &whole)) << backend.last_error();
  EXPECT_EQ(rgb_at(1000, 600), gradient(1000, 600));
  EXPECT_TRUE(whole) << "a version 1 compositor announces no damage: frames are whole";
}

TEST_F(WlrCapture, SecondOutputByName) {
  Agent agent(*sway_, {"--capture", "wlr", "--wlr-output", "HEADLESS-2"});
  std::string why;
  ASSERT_TRUE(wait_for(
      agent, 800, 600, [](auto, auto) { return testing::SwaySession::kBackground2; }, &why))
      << why;
  EXPECT_EQ(agent.stop(), 0);
}

TEST_F(WlrCapture, OutputResizeGivesTheNewFormat) {
  Agent agent(*sway_, {"--capture", "wlr", "--wlr-output", "HEADLESS-2"});
  std::string why;
  testing::ReceivedFrame first;
  ASSERT_TRUE(wait_for(
      agent, 800, 600, [](auto, auto) { return testing::SwaySession::kBackground2; }, &why, &first))
      << why;
  ASSERT_TRUE(sway_->swaymsg({"output", "HEADLESS-2", "resolution", "640x480"}));
  testing::ReceivedFrame resized;
  const bool ok = wait_for(
      agent, 640, 480, [](auto, auto) { return testing::SwaySession::kBackground2; }, &why, &resized);
  sway_->swaymsg({"output", "HEADLESS-2", "resolution", "800x600"});  // as the other tests expect it
  ASSERT_TRUE(ok) << why;
  EXPECT_NE(resized.info.format_ver, first.info.format_ver);
  EXPECT_EQ(resized.info.pitch, 640u * 4);
  EXPECT_EQ(agent.reader().session().counters().sessions, 1u) << "a resize is not a new session";
  EXPECT_EQ(agent.stop(), 0);
}

// Captures until the output is static (no frame for 300 ms): then two copy_with_damage wait in
// the compositor. False if it never is.
bool capture_until_static(capture::WlrBackend& backend) {
  capture::CaptureEvent event;
  for (int i = 0; i < 50; ++i) {
    const auto status = backend.capture(300ms, &event);
    if (status == capture::CaptureStatus::timeout) return true;
    if (status != capture::CaptureStatus::ok) return false;
  }
  return false;
}

// Returns once sway has committed a frame of `width`x`height` on HEADLESS-2: a screen-copy client
// of its own (straight to sway) gets one. Copies other clients asked for before a mode change
// are answered at that commit or before.
bool sway_drew(const testing::SwaySession& sway, std::uint32_t width, std::uint32_t height) {
  capture::WlrBackend witness(capture::WlrConfig{sway.socket_path(), "HEADLESS-2", false});
  if (!witness.start()) return false;
  capture::CaptureEvent e;
  for (int i = 0; i < 50; ++i) {
    if (witness.capture(100ms, &e) == capture::CaptureStatus::ok && e.frame && e.format.width == width &&
        e.format.height == height) {
      return true;
    }
  }
  return false;
}

// "" when the first frame `backend` returns (within 5 s) is `width`x`height`, whole, and every
// pixel HEADLESS-2's background; else what was wrong.
std::string first_frame_is(capture::WlrBackend& backend, std::uint32_t width, std::uint32_t height) {
  std::string wrong;  // the sizes of the frames before one of `width`x`height`
  capture::CaptureEvent e;
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < deadline) {
    const auto s = backend.capture(200ms, &e);
    if (s == capture::CaptureStatus::reinit || s == capture::CaptureStatus::error)
      return backend.last_error();
    if (s != capture::CaptureStatus::ok || !e.frame) continue;
    if (e.format.width == width && e.format.height == height) break;
    wrong += " " + std::to_string(e.format.width) + "x" + std::to_string(e.format.height);
    e.frame = false;
  }
  if (!e.frame) return "frames before:" + wrong + "; none of the new size within 5 s";
  if (!wrong.empty()) return "frames of the old geometry first:" + wrong;
  if (!e.full_damage) return "the first frame of the new mode is not whole";
  std::vector<std::byte> pixels(std::size_t{width} * height * 4);
  capture::FrameTarget target;
  target.pixels = pixels;
  target.pitch = width * 4;
  if (backend.read_pixels(target, {}) != capture::CaptureStatus::ok) return backend.last_error();
  for (std::uint32_t y = 0; y < height; ++y) {
    for (std::uint32_t x = 0; x < width; ++x) {
      const std::byte* p = pixels.data() + (std::size_t{y} * width + x) * 4;
      const std::uint32_t rgb = (std::to_integer<std::uint32_t>(p[2]) << 16) |
                                (std::to_integer<std::uint32_t>(p[1]) << 8) |
                                std::to_integer<std::uint32_t>(p[0]);
      if (rgb != testing::SwaySession::kBackground2) {
        return "pixel (" + std::to_string(x) + ", " + std::to_string(y) + ") is not the background";
      }
    }
  }
  return {};
}

// HEADLESS-2 back to 800x600 (as the other tests expect it), also when an assertion fails.
struct RestoreHeadless2 {
  const testing::SwaySession& sway;
  ~RestoreHeadless2() { sway.swaymsg({"output", "HEADLESS-2", "resolution", "800x600"}); }
};

// The backend in this process again, away from capture() (as the agent is while it publishes)
// while the output changes mode: the two copy_with_damage kept requested for the old mode are
// answered at sway's first commit in the new one, in the same read as the wl_output mode and
// done events. Those copies are of the old geometry and took the compositor's damage for this
// client; if one were shown as a frame (and ended the wait for a whole one), the copies of the
// new geometry would wait for damage that a static screen never brings: no frame of the new size,
// ever (the flake of OutputResizeGivesTheNewFormat under load, ~1 in 5). The first frame after the
// change must be of the new mode, whole and pixel-exact; also after two changes in a row.
TEST_F(WlrCapture, AModeChangeWhileTheAgentIsAwayGivesAWholeFrameOfTheNewMode) {
  const RestoreHeadless2 restore{*sway_};
  capture::WlrBackend backend(capture::WlrConfig{sway_->socket_path(), "HEADLESS-2", false});
  ASSERT_TRUE(backend.start()) << backend.last_error();
  ASSERT_TRUE(capture_until_static(backend)) << backend.last_error();

  // 1. 800x600 -> 640x480 while the backend is away.
  ASSERT_TRUE(sway_->swaymsg({"output", "HEADLESS-2", "resolution", "640x480"}));
  ASSERT_TRUE(sway_drew(*sway_, 640, 480)) << "sway drew no 640x480 frame";
  EXPECT_EQ(first_frame_is(backend, 640, 480), "");
  ASSERT_TRUE(capture_until_static(backend)) << backend.last_error();

  // 2. Two changes in a row, 640x480 -> 1024x768 -> 800x600: the copies answered meanwhile were
  //    asked for two modes ago.
  ASSERT_TRUE(sway_->swaymsg({"output", "HEADLESS-2", "resolution", "1024x768"}));
  ASSERT_TRUE(sway_->swaymsg({"output", "HEADLESS-2", "resolution", "800x600"}));
  ASSERT_TRUE(sway_drew(*sway_, 800, 600)) << "sway drew no 800x600 frame";
  EXPECT_EQ(first_frame_is(backend, 800, 600), "");
}

// The same, from a compositor that answers the old mode's copies between the new `mode` and its
// `done` (wlroots on DRM commits a new mode with a buffer), and a client that reads them before
// the `done`: WaylandVersionProxy holds the `done` back until the backend has reacted to the
// copies. Such a copy is also stale (its buffer has the old size; the output announced another
// mode) and must not be shown.
TEST_F(WlrCapture, CopiesAnsweredBeforeTheModeChangeIsDoneAreNotShown) {
  const RestoreHeadless2 restore{*sway_};
  testing::WaylandVersionProxy proxy(sway_->socket_path(), sway_->runtime_dir() + "/wayland-late-done",
                                     "zwlr_screencopy_manager_v1", 3, /*fake_dmabuf=*/false, sway_->uid(),
                                     sway_->gid());
  ASSERT_TRUE(proxy.error().empty()) << proxy.error();
  proxy.hold_output_done();
  capture::WlrBackend backend(
      capture::WlrConfig{sway_->runtime_dir() + "/wayland-late-done", "HEADLESS-2", false});
  ASSERT_TRUE(backend.start()) << backend.last_error();
  ASSERT_TRUE(capture_until_static(backend)) << backend.last_error();

  ASSERT_TRUE(sway_->swaymsg({"output", "HEADLESS-2", "resolution", "640x480"}));
  ASSERT_TRUE(sway_drew(*sway_, 640, 480)) << "sway drew no 640x480 frame";
  EXPECT_EQ(first_frame_is(backend, 640, 480), "");
}

TEST_F(WlrCapture, UnknownOutputNamesTheOnesThereAre) {
  Agent agent(*sway_, {"--capture", "wlr", "--wlr-output", "NOPE-7"});
  EXPECT_EQ(agent.wait_exit(10s), 1);
  const std::string log = agent.log();
  EXPECT_NE(log.find("no output named 'NOPE-7'"), std::string::npos) << log;
  EXPECT_NE(log.find("HEADLESS-1, HEADLESS-2"), std::string::npos) << log;
}

TEST_F(WlrCapture, AutoPicksWlrOnAWaylandSessionEvenWithDisplaySet) {
  // XWayland sets DISPLAY in a Wayland session; its root window is not the desktop.
  Agent agent(*sway_, {"--capture", "auto"}, {"DISPLAY=:0"});
  std::string why;
  ASSERT_TRUE(wait_for(
      agent, 1280, 720, [](auto, auto) { return testing::SwaySession::kBackground1; }, &why))
      << why;
  EXPECT_EQ(agent.reader().session().guest().vm->capture, "wlr");
  EXPECT_EQ(agent.stop(), 0);
  EXPECT_NE(
      agent.log().find("capture: wlr (the first of [wlr, portal, drm, fb] that started; a Wayland session"),
      std::string::npos)
      << agent.log();
}

TEST_F(WlrCapture, CompositorGoneIsAClearError) {
  Agent agent(*sway_, {"--capture", "wlr", "--wayland-display", "wayland-99"});
  EXPECT_EQ(agent.wait_exit(10s), 1);
  EXPECT_NE(agent.log().find("cannot connect to the Wayland compositor 'wayland-99'"), std::string::npos)
      << agent.log();
}

}  // namespace
}  // namespace kagami
