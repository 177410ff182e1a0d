// The two-monitor guest (multimon_guest.h) seen through SPICE: where a pointer position on the
// second output goes.
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
#include <functional>
#include <sstream>
#include <thread>
#include <vector>

#include "guest_suite.h"
#include "guest_vm.h"
#include "multimon_guest.h"
#include "spice/session.h"

namespace kagami::vm_test {
namespace {

using Clock = std::chrono::steady_clock;

// One VD_AGENT_MOUSE_STATE as the guest agent printed it ("mouse DISPLAY X Y BUTTONS").
struct MouseState {
  unsigned display = 0, x = 0, y = 0, buttons = 0;
  bool operator==(const MouseState&) const = default;
};

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

std::ostream& operator<<(std::ostream& out, const MouseState& m) {
  return out << "{display " << m.display << ", " << m.x << "," << m.y << ", buttons " << m.buttons << "}";
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
    auto options = multimon::guest_options(
        {{KAGAMI_VM_PROGRAM_KAGAMI_VM_DRM_HEADS, "/bin/kagami-vm-drm-heads"},
         {KAGAMI_VM_PROGRAM_KAGAMI_AGENT_STATIC, "/bin/kagami-agent"},
         {KAGAMI_VM_PROGRAM_KAGAMI_VM_VDAGENT_MOUSE, "/bin/kagami-vm-vdagent-mouse"}});
    // The SPICE agent's port, as libvirt adds it with a spicevmc channel.
    options.extra_qemu_args = {"-device",  "virtio-serial",
                               "-chardev", "spicevmc,id=vdagent,name=vdagent",
                               "-device",  "virtserialport,chardev=vdagent,name=com.redhat.spice.0"};
    boot(std::move(options));
  }
  void print_diagnostics() override {
    for (const char* log : {"/tmp/heads.log", "/tmp/agent.log", "/tmp/vdagent.log"}) {
      if (auto text = vm_->run(std::string("tail -n 20 ") + log, 5000))
        std::printf("--- %s ---\n%s", log, text->output.c_str());
    }
    GuestSuite::print_diagnostics();
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
    auto done = vm_->run_until("cat /tmp/vdagent.log", "done", 15000);
    if (done) return parse_mouse(done->output);
    ADD_FAILURE() << done.error().message;
    auto partial = vm_->run("cat /tmp/vdagent.log");
    return partial ? parse_mouse(partial->output) : std::vector<MouseState>{};
  }
};

TEST_F(VmMultimonClient, SpiceGivesTheAbsolutePointerOfTwoHeadsToTheGuestAgentOnly) {
  auto lit = vm().run(multimon::kStartHeads);
  ASSERT_TRUE(lit) << lit.error().message;
  ASSERT_TRUE(vm().run_until("cat /tmp/heads.log", "ready", 10000));
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
  const std::vector<MouseState> expected = {
      {0, 100, 50, 0}, {0, 1290, 20, 0}, {0, 1290, 20, 2}, {0, 1290, 20, 0}};
  EXPECT_EQ(guest_agent_states(), expected);  // buttons: VD_AGENT_LBUTTON_MASK = 2
}

}  // namespace
}  // namespace kagami::vm_test
