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

#include "reader.h"
#include "sway_session.h"
#include "wayland_painter.h"
#include "wayland_version_proxy.h"

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

bool installed(const char* path) { return ::access(path, X_OK) == 0; }

// The desktop session around one agent run: dbus-run-session -> PipeWire, WirePlumber, then the
// agent (the portals start on demand); its whole process group is stopped at the end.
class PortalRun {
 public:
  // `xdg`: the XDG_CONFIG_HOME (under the session's base folder) with the portal's config;
  // `token`: the restore token file (in the runtime folder).
  PortalRun(const testing::SwaySession& sway, const std::string& name, const std::string& xdg = "xdg",
            const std::string& token = "portal-token")
      : path_("/dev/shm/kagami-portal-test-" + std::to_string(::getpid()) + "-" + name), size_(32 << 20) {
    const int fd = ::open(path_.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd >= 0 && ::ftruncate(fd, static_cast<off_t>(size_)) == 0) {
      void* p = ::mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
      if (p != MAP_FAILED) map_ = static_cast<std::byte*>(p);
    }
    if (fd >= 0) ::close(fd);
    sway.give(path_);
    const std::string base = sway.base_dir();
    log_ = sway.runtime_dir() + "/portal-" + name + ".log";
    const std::string agent = sway.install(KAGAMI_AGENT_PATH);
    pid_ = sway.spawn(
        {"dbus-run-session", "--", base + "/portal-session.sh", agent, "--shm", path_, "--capture", "portal",
         "--portal-token-file", sway.runtime_dir() + "/" + token, "--log-level", "debug"},
        log_,
        {"XDG_CURRENT_DESKTOP=sway", "XDG_CONFIG_HOME=" + base + "/" + xdg,
         "WAYLAND_DISPLAY=" + sway.runtime_dir() + "/wayland-portal"});
    reader_ = std::make_unique<testing::Reader>(std::span<std::byte>(map_, size_));
  }
  ~PortalRun() {
    stop();
    reader_.reset();  // it reads the mapping until it goes
    if (map_) ::munmap(map_, size_);
    ::unlink(path_.c_str());
  }
  void stop() {
    if (pid_ <= 0) return;
    ::kill(-pid_, SIGTERM);  // the agent, the bus, PipeWire and the portals: one process group
    for (int i = 0; i < 300 && ::waitpid(pid_, nullptr, WNOHANG) != pid_; ++i)
      std::this_thread::sleep_for(10ms);
    ::kill(-pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  testing::Reader& reader() { return *reader_; }
  std::string log() const { return testing::read_text(log_); }
  // Waits until the log contains `text` (or `limit`).
  bool log_says(const std::string& text, std::chrono::seconds limit = 15s) const {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (log().find(text) == std::string::npos) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(50ms);
    }
    return true;
  }

 private:
  std::string path_;
  std::size_t size_;
  std::byte* map_ = nullptr;
  std::string log_;
  pid_t pid_ = -1;
  std::unique_ptr<testing::Reader> reader_;
};

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
    if (!sway_->error().empty()) return;
    for (const char* p : {"/usr/bin/dbus-run-session", "/usr/bin/pipewire", "/usr/bin/wireplumber",
                          "/usr/libexec/xdg-desktop-portal", "/usr/libexec/xdg-desktop-portal-wlr"}) {
      if (!installed(p)) missing_ = std::string(p) + " is not installed (scripts/deps/wayland.txt)";
    }
    const std::string base = sway_->base_dir();
    // The portal's configs: the output chosen without asking; and a chooser that cancels, as a
    // user who declines does.
    for (const auto& [dir, config] :
         {std::pair<std::string, std::string>{"xdg", "chooser_type=none\noutput_name=HEADLESS-1\n"},
          std::pair<std::string, std::string>{"xdg-decline", "chooser_type=simple\nchooser_cmd=false\n"}}) {
      ::mkdir((base + "/" + dir).c_str(), 0755);
      ::mkdir((base + "/" + dir + "/xdg-desktop-portal-wlr").c_str(), 0755);
      std::ofstream(base + "/" + dir + "/xdg-desktop-portal-wlr/config") << "[screencast]\n" << config;
    }
    {
      std::ofstream script(base + "/portal-session.sh");
      script << "#!/bin/sh\n"
             << "# inside dbus-run-session: the media graph, then the agent (the portals are activated on "
                "the bus)\n"
             << "rm -f \"$XDG_RUNTIME_DIR\"/pipewire-0*  # a previous run's socket would fool the wait\n"
             << "pipewire &\n"
             << "for i in $(seq 100); do pw-cli info 0 >/dev/null 2>&1 && break; sleep 0.1; done\n"
             << "wireplumber &\n"
             << "# the portal's backend needs PipeWire; started here (not on the bus) so its log is ours\n"
             << "/usr/libexec/xdg-desktop-portal-wlr -l INFO &\n"
             << "exec \"$@\"\n";
    }
    ::chmod((base + "/portal-session.sh").c_str(), 0755);
    proxy_ = new testing::WaylandVersionProxy(sway_->socket_path(), sway_->runtime_dir() + "/wayland-portal",
                                              "zwlr_screencopy_manager_v1", 3, /*fake_dmabuf=*/true,
                                              sway_->uid(), sway_->gid());
  }
  static void TearDownTestSuite() {
    delete proxy_;
    delete sway_;
  }
  void SetUp() override {
    if (!sway_->error().empty()) GTEST_SKIP() << "no headless sway here: " << sway_->error();
    if (!missing_.empty()) GTEST_SKIP() << missing_;
    ASSERT_TRUE(proxy_->error().empty()) << proxy_->error();
  }
  static testing::SwaySession* sway_;
  static testing::WaylandVersionProxy* proxy_;
  static std::string missing_;
};
testing::SwaySession* PortalCapture::sway_ = nullptr;
testing::WaylandVersionProxy* PortalCapture::proxy_ = nullptr;
std::string PortalCapture::missing_;

TEST_F(PortalCapture, FramesAndDamageThroughPipeWireThenTheRestoreToken) {
  std::string why;
  {
    PortalRun run(*sway_, "first");
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
  PortalRun again(*sway_, "second");
  ASSERT_TRUE(again.log_says("PipeWire stream streaming")) << again.log();
  testing::WaylandPainter painter(sway_->socket_path());
  ASSERT_TRUE(painter.show(gradient)) << painter.error();
  ASSERT_TRUE(wait_for(again, 1280, 720, gradient, &why, nullptr, [&] { painter.redraw(); })) << why;
  again.stop();
  EXPECT_NE(again.log().find("permission restored from"), std::string::npos) << again.log();
}

TEST_F(PortalCapture, DecliningIsAClearError) {
  PortalRun run(*sway_, "declined", "xdg-decline", "portal-token-declined");
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
