// The two-monitor guest (multimon_guest.h, both heads 1280x720 here) through the real viewer:
// one static agent in the guest serves both outputs into two ivshmem regions, and one real
// kagami-client on the host (two --shm, on a private Xvfb) shows them in two windows side by
// side. The test reads the windows back and checks every pixel against what the guest drew on
// each output, that a change on output 2 reaches window 2 alone, and that a click in window 2
// reaches the guest on output 2 through SPICE. First it pins down where SPICE sends a pointer
// position in a guest with two heads:
//
// Found here (QEMU 7.2, spice-server 0.15.1): spice-server allows the absolute ("client") mouse
// with one display channel only, or when a guest agent is attached. A guest with two heads has two
// display channels, so without an agent the mouse stays relative ("server" mode) and QEMU's USB
// tablet gets no absolute positions from SPICE at all. With an agent attached every position goes
// to the agent (not to the tablet) with the display id the client gave. The guest's agent here is
// kagami-vm-vdagent-mouse, which prints each mouse state it gets.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <sstream>
#include <thread>
#include <vector>

#include "e2e_harness.h"
#include "guest_suite.h"
#include "guest_vm.h"
#include "multimon_guest.h"
#include "spice/session.h"
#include "test_pattern.h"
#include "xvfb.h"

namespace kagami::vm_test {
namespace {

using client::test::ClientProcess;
using client::test::XImage;
using client::test::Xvfb;
using Clock = std::chrono::steady_clock;

// Both heads 1280x720, so the two windows (one size for all, by default) show them 1:1.
constexpr int kWidth = 1280, kHeight = 720;
constexpr int kOutput2X = 1280;  // output 2's place in the guest desktop, and window 2's on the host

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// Pixels of a window's image that differ from the picture of `seed`; `detail` names the first.
std::size_t wrong_pixels(const XImage& image, std::uint32_t seed, std::string& detail) {
  if (image.width != kWidth || image.height != kHeight || image.pixels.empty()) {
    detail = "the X server returned no image";
    return SIZE_MAX;
  }
  std::size_t wrong = 0;
  for (int y = 0; y < kHeight; ++y) {
    for (int x = 0; x < kWidth; ++x) {
      const std::uint32_t expected =
          pattern_pixel(static_cast<std::uint32_t>(x), static_cast<std::uint32_t>(y), seed);
      if (image.at(x, y) != expected && wrong++ == 0) {
        char text[112];
        std::snprintf(text, sizeof(text), "first wrong pixel (%d,%d): %06x, expected %06x (seed %u)", x, y,
                      image.at(x, y), expected, seed);
        detail = text;
      }
    }
  }
  if (wrong > 0) detail += ", " + std::to_string(wrong) + " wrong pixels";
  return wrong;
}

// One VD_AGENT_MOUSE_STATE as the guest agent printed it ("mouse DISPLAY X Y BUTTONS").
struct MouseState {
  unsigned display = 0, x = 0, y = 0, buttons = 0;
  bool operator==(const MouseState&) const = default;
};

std::ostream& operator<<(std::ostream& out, const MouseState& m) {
  return out << "{display " << m.display << ", " << m.x << "," << m.y << ", buttons " << m.buttons << "}";
}

std::vector<MouseState> parse_mouse(const std::string& log) {
  std::vector<MouseState> states;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string word;
    MouseState m;
    if (fields >> word >> m.display >> m.x >> m.y >> m.buttons && word == "mouse") states.push_back(m);
  }
  return states;
}

bool wait_status(const spice::Session& session, const std::function<bool(const spice::SessionStatus&)>& pred,
                 int ms) {
  const auto end = Clock::now() + std::chrono::milliseconds(ms);
  while (Clock::now() < end) {
    if (pred(session.status())) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pred(session.status());
}

class VmMultimonClient : public GuestSuite {
 protected:
  static void SetUpTestSuite() {
    try {
      xvfb_ = std::make_unique<Xvfb>(2 * kWidth, kHeight);
    } catch (const std::exception& e) {
      boot_error_ = std::string("Xvfb: ") + e.what();
      return;
    }
    auto options =
        multimon::guest_options({{KAGAMI_VM_PROGRAM_KAGAMI_VM_DRM_HEADS, "/bin/kagami-vm-drm-heads"},
                                 {KAGAMI_VM_PROGRAM_KAGAMI_AGENT_STATIC, "/bin/kagami-agent"},
                                 {KAGAMI_VM_PROGRAM_KAGAMI_VM_VDAGENT_MOUSE, "/bin/kagami-vm-vdagent-mouse"}},
                                "1280x720");
    // The SPICE agent's port, as libvirt adds it with a spicevmc channel.
    options.extra_qemu_args = {"-device",  "virtio-serial",
                               "-chardev", "spicevmc,id=vdagent,name=vdagent",
                               "-device",  "virtserialport,chardev=vdagent,name=com.redhat.spice.0"};
    boot(std::move(options));
  }
  static void TearDownTestSuite() {
    client_.reset();  // the client first: it has the regions mapped
    GuestSuite::TearDownTestSuite();
    xvfb_.reset();
  }
  void print_diagnostics() override {
    for (const char* log : {"/tmp/heads.log", "/tmp/agent.log", "/tmp/vdagent.log"}) {
      if (auto text = vm_->run(std::string("tail -n 20 ") + log, 5000))
        std::printf("--- %s ---\n%s", log, text->output.c_str());
    }
    if (client_) {
      const std::string log = client_->log();
      std::printf("--- client (%s) log (tail) ---\n%s\n", client_->alive() ? "running" : "EXITED",
                  log.substr(log.size() > 4000 ? log.size() - 4000 : 0).c_str());
    }
    GuestSuite::print_diagnostics();
  }

  // Both heads lit (seeds 1 and 2) and the agent serving both, once for all tests.
  static void ensure_guest_publishes() {
    if (publishing_) return;
    auto lit = vm_->run(multimon::kStartHeads);
    ASSERT_TRUE(lit) << lit.error().message;
    auto ready = vm_->run_until("cat /tmp/heads.log", "ready", 10000);
    ASSERT_TRUE(ready) << ready.error().message;
    auto started = vm_->run(multimon::start_agent_command());
    ASSERT_TRUE(started) << started.error().message;
    publishing_ = true;
  }

  // Starts the guest agent, which reports `count` mouse states into /tmp/vdagent.log.
  static void start_guest_agent(int count) {
    auto started =
        vm_->run("kagami-vm-vdagent-mouse " + std::to_string(count) + " 30000 >/tmp/vdagent.log 2>&1 &");
    ASSERT_TRUE(started) << started.error().message;
    auto listening = vm_->run_until("cat /tmp/vdagent.log", "listening", 10000);
    ASSERT_TRUE(listening) << listening.error().message;
  }
  static std::vector<MouseState> guest_agent_states() {
    auto log = vm_->run("cat /tmp/vdagent.log");
    return log ? parse_mouse(log->output) : std::vector<MouseState>{};
  }

  // Polls window `index` (0 at x 0, 1 at x 1280) until it shows exactly the picture of `seed`.
  static bool wait_for_window(int index, std::uint32_t seed, int timeout_ms, std::string& detail) {
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      const XImage image = client::test::read_root(xvfb_->display(), index * kOutput2X, 0, kWidth, kHeight);
      if (wrong_pixels(image, seed, detail) == 0) return true;
      if (Clock::now() >= deadline) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    detail = "window " + std::to_string(index + 1) + ": " + detail;
    return false;
  }

  static void draw(std::size_t head, std::uint32_t seed) {
    auto drawn = vm_->run("echo " + std::to_string(head) + " " + std::to_string(seed) + " >/tmp/heads");
    ASSERT_TRUE(drawn) << drawn.error().message;
  }

  static void xdotool(const std::string& args) {
    const std::string command = "DISPLAY=" + xvfb_->display() + " xdotool " + args + " >/dev/null 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0) << "xdotool " << args;
  }

  static inline std::unique_ptr<Xvfb> xvfb_;
  static inline std::unique_ptr<ClientProcess> client_;
  static inline bool publishing_ = false;
};

TEST_F(VmMultimonClient, SpiceGivesTheAbsolutePointerOfTwoHeadsToTheGuestAgentOnly) {
  ASSERT_NO_FATAL_FAILURE(ensure_guest_publishes());  // both heads show a picture, as on a desktop
  spice::SessionOptions options;
  options.uri = "spice://127.0.0.1:" + std::to_string(vm().spice_port());
  options.audio.playback = false;
  options.clipboard.enabled = false;
  auto session = spice::Session::start(options);
  ASSERT_TRUE(session) << session.error().message;
  ASSERT_TRUE(wait_status(
      **session, [](const spice::SessionStatus& s) { return s.inputs_ready; }, 10000))
      << (*session)->status().last_error;

  // Two display channels and no agent: spice-server keeps the relative mouse.
  auto before = vm().monitor("info spice");
  ASSERT_TRUE(before) << before.error().message;
  EXPECT_NE(before->find("mouse-mode: server"), std::string::npos) << *before;

  // The agent opens its port: the absolute mouse is allowed, and positions go to the agent.
  ASSERT_NO_FATAL_FAILURE(start_guest_agent(4));
  ASSERT_TRUE(wait_status(
      **session, [](const spice::SessionStatus& s) { return s.mouse_mode == spice::MouseMode::Client; },
      10000))
      << "the absolute mouse was not allowed with the guest agent attached";
  (*session)->mouse_position(100, 50);  // on output 1
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  (*session)->mouse_position(1290, 20);  // on output 2: desktop coordinates
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  (*session)->mouse_button(1, true);
  (*session)->mouse_button(1, false);
  auto done = vm().run_until("cat /tmp/vdagent.log", "done", 15000);
  ASSERT_TRUE(done) << done.error().message;
  const std::vector<MouseState> expected = {
      {0, 100, 50, 0}, {0, 1290, 20, 0}, {0, 1290, 20, 2}, {0, 1290, 20, 0}};
  EXPECT_EQ(parse_mouse(done->output), expected);  // buttons: VD_AGENT_LBUTTON_MASK = 2
}

TEST_F(VmMultimonClient, OneClientShowsEachOutputPixelExactInItsOwnWindow) {
  ASSERT_NO_FATAL_FAILURE(ensure_guest_publishes());
  // Window 1 at 0,0 and window 2 beside it at 1280,0, each 1280x720, 1:1 and nearest; SPICE to the
  // guest for the click test below.
  const auto start = Clock::now();
  client_ = std::make_unique<ClientProcess>(
      xvfb_->display(), vm().shm_path(0), kWidth, kHeight,
      std::vector<std::string>{"--shm", vm().shm_path(1), "--no-show-cursor", "--spice", "--spice-uri",
                               "spice://127.0.0.1:" + std::to_string(vm().spice_port()), "--no-audio",
                               "--no-clipboard"});
  std::string detail;
  ASSERT_TRUE(wait_for_window(0, 1, 30000, detail)) << detail;
  ASSERT_TRUE(wait_for_window(1, 2, 30000, detail)) << detail;
  std::printf("[timing] both windows pixel-exact %.0f ms after the client started (accel %s)\n",
              ms_since(start), vm().accel().c_str());
  EXPECT_TRUE(client_->alive());
}

TEST_F(VmMultimonClient, AChangeOnOutputTwoReachesWindowTwoAlone) {
  ASSERT_NE(client_, nullptr) << "needs the client of the test before";
  ASSERT_NO_FATAL_FAILURE(draw(1, 6));
  std::string detail;
  ASSERT_TRUE(wait_for_window(1, 6, 10000, detail)) << detail;
  EXPECT_TRUE(wait_for_window(0, 1, 0, detail)) << "window 1 changed: " << detail;
}

// Window 2's pixel (10, 20) is output 2's pixel (10, 20), desktop (1290, 20). With two heads the
// pointer goes through the guest agent (see the top of the file), which gets the display the
// client named and the position on it; either way it must resolve to that desktop pixel.
TEST_F(VmMultimonClient, AClickInWindowTwoLandsOnOutputTwo) {
  ASSERT_NE(client_, nullptr) << "needs the client of the test before";
  ASSERT_EQ(std::system("command -v xdotool >/dev/null"), 0) << "xdotool is needed (scripts/deps/client.txt)";
  ASSERT_NO_FATAL_FAILURE(start_guest_agent(1000));
  const int heads_x[2] = {0, kOutput2X};
  const auto on_target = [&](const MouseState& m) {
    return m.display < 2 && heads_x[m.display] + static_cast<int>(m.x) == kOutput2X + 10 && m.y == 20;
  };
  // The client's SPICE session learns through its main channel that an agent is there: move the
  // pointer until a position on the target arrives, then click.
  std::vector<MouseState> states;
  const auto deadline = Clock::now() + std::chrono::seconds(15);
  while (states.empty() || !on_target(states.back())) {
    ASSERT_TRUE(Clock::now() < deadline)
        << "no pointer position on output 2 reached the guest agent; states: "
        << ::testing::PrintToString(states) << "\n"
        << client_->log();
    // A nudge away and back: a motion event each round, and the pointer always ends on the target
    // (the click below must not land where an earlier round left it).
    ASSERT_NO_FATAL_FAILURE(xdotool("mousemove 1289 21 mousemove 1290 20"));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    states = guest_agent_states();
  }
  ASSERT_NO_FATAL_FAILURE(xdotool("click 1"));
  // The press (left button: VD_AGENT_LBUTTON_MASK = 2) and the release, both on the target.
  const auto clicked = [&] {
    bool pressed = false;
    for (const MouseState& m : states) {
      if (m.buttons == 2 && on_target(m)) pressed = true;
      if (pressed && m.buttons == 0 && on_target(m)) return true;
    }
    return false;
  };
  const auto click_deadline = Clock::now() + std::chrono::seconds(10);
  while (!clicked() && Clock::now() < click_deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    states = guest_agent_states();
  }
  EXPECT_TRUE(clicked()) << "mouse states the guest agent got: " << ::testing::PrintToString(states);
  std::printf("guest agent: the click arrived as display %u at %u,%u\n", states.back().display,
              states.back().x, states.back().y);
}

}  // namespace
}  // namespace kagami::vm_test
