// kagami's SPICE session → QEMU → the guest's evdev: one real guest boot (TCG), keys and the
// absolute mouse sent through kagami::spice::Session arrive as the right Linux input events on the
// guest's USB keyboard and tablet (read by kagami-vm-input-events in the guest).
#include <SDL2/SDL_scancode.h>
#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <sstream>
#include <thread>

#include "guest_suite.h"
#include "guest_vm.h"
#include "spice/pointer_mapping.h"
#include "spice/session.h"

namespace kagami::vm_test {
namespace {

using spice::Session;
using spice::SessionOptions;
using spice::SessionStatus;

struct EvdevEvent {
  int type = 0;
  int code = 0;
  int value = 0;
  bool operator==(const EvdevEvent&) const = default;
};

// "type code value" lines of kagami-vm-input-events, without autorepeat (value 2).
std::vector<EvdevEvent> parse_events(const std::string& log) {
  std::vector<EvdevEvent> events;
  std::istringstream in(log);
  std::string line;
  while (std::getline(in, line)) {
    EvdevEvent e;
    std::istringstream fields(line);
    if (!(fields >> e.type >> e.code >> e.value)) continue;  // "listening ...", "done"
    if (e.type == 1 && e.value == 2) continue;
    events.push_back(e);
  }
  return events;
}

bool wait_status(const Session& session, const std::function<bool(const SessionStatus&)>& pred, int ms) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (std::chrono::steady_clock::now() < end) {
    if (pred(session.status())) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

class VmSpiceInput : public GuestSuite {
 protected:
  static void SetUpTestSuite() {
    VmOptions options;
    options.assets_dir = KAGAMI_VM_ASSETS;
    options.files = {{KAGAMI_VM_PROGRAM_KAGAMI_VM_INPUT_EVENTS, "/bin/kagami-vm-input-events"}};
    boot(std::move(options));
  }
  void SetUp() override {
    GuestSuite::SetUp();
    if (HasFatalFailure()) return;
    auto input = vm_->wait_for_console("kagami-vm: input", 15000);  // USB devices are up
    ASSERT_TRUE(input) << input.error().message;
    SessionOptions options;
    options.uri = "spice://127.0.0.1:" + std::to_string(vm_->spice_port());
    options.audio.playback = false;
    options.clipboard.enabled = false;
    auto session = Session::start(options);
    ASSERT_TRUE(session) << session.error().message;
    session_ = std::move(session.value());
    ASSERT_TRUE(wait_status(
        *session_, [](const SessionStatus& s) { return s.inputs_ready; }, 10000))
        << session_->status().last_error;
  }
  void TearDown() override {
    session_.reset();
    GuestSuite::TearDown();
  }

  // Starts the guest's event reader on a device and waits until it listens.
  void listen(const std::string& device, size_t count, const std::string& log) {
    auto started = vm_->run("kagami-vm-input-events '" + device + "' " + std::to_string(count) + " 20000 >" +
                            log + " 2>&1 &");
    ASSERT_TRUE(started) << started.error().message;
    auto listening = vm_->run_until("cat " + log, "listening", 10000);
    ASSERT_TRUE(listening) << listening.error().message;
  }
  // The events the guest reader saw; on a timeout, what it saw so far (the comparison then fails).
  std::vector<EvdevEvent> events(const std::string& log) {
    auto done = vm_->run_until("cat " + log, "done", 15000);
    if (done) return parse_events(done->output);
    auto partial = vm_->run("cat " + log);
    ADD_FAILURE() << "the guest reader did not finish: "
                  << (partial ? partial->output : done.error().message);
    return partial ? parse_events(partial->output) : std::vector<EvdevEvent>{};
  }

  std::unique_ptr<Session> session_;
};

TEST_F(VmSpiceInput, KeysArriveAsTheirEvdevCodes) {
  // SDL scancode → the Linux key code the guest must see (linux/input-event-codes.h).
  const std::vector<std::pair<int, int>> script = {
      {SDL_SCANCODE_A, 30},
      {SDL_SCANCODE_Z, 44},
      {SDL_SCANCODE_ESCAPE, 1},
      {SDL_SCANCODE_RETURN, 28},
      {SDL_SCANCODE_LSHIFT, 42},
      {SDL_SCANCODE_RCTRL, 97},
      {SDL_SCANCODE_RALT, 100},
      {SDL_SCANCODE_LGUI, 125},
      {SDL_SCANCODE_RGUI, 126},
      {SDL_SCANCODE_APPLICATION, 127},
      {SDL_SCANCODE_UP, 103},
      {SDL_SCANCODE_LEFT, 105},
      {SDL_SCANCODE_HOME, 102},
      {SDL_SCANCODE_DELETE, 111},
      {SDL_SCANCODE_PAGEDOWN, 109},
      {SDL_SCANCODE_KP_ENTER, 96},
      {SDL_SCANCODE_KP_DIVIDE, 98},
      {SDL_SCANCODE_KP_5, 76},
      {SDL_SCANCODE_F1, 59},
      {SDL_SCANCODE_F12, 88},
      {SDL_SCANCODE_NONUSBACKSLASH, 86},
      {SDL_SCANCODE_PRINTSCREEN, 99},
      {SDL_SCANCODE_PAUSE, 119},
      {SDL_SCANCODE_GRAVE, 41},
  };
  listen("USB Keyboard", 2 * script.size(), "/tmp/keys.log");
  std::vector<EvdevEvent> expected;
  for (auto [sdl, code] : script) {
    session_->key_down(sdl);
    session_->key_up(sdl);
    // QEMU's usb-kbd queues at most 16 key events between two polls of the guest (~8 ms, slower
    // under TCG) and drops the rest: type at a fast human pace, not in one burst.
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    expected.push_back({1, code, 1});
    expected.push_back({1, code, 0});
  }
  EXPECT_EQ(events("/tmp/keys.log"), expected);
}

TEST_F(VmSpiceInput, ReleaseAllLeavesNoKeyDownInTheGuest) {
  listen("USB Keyboard", 6, "/tmp/release.log");
  session_->key_down(SDL_SCANCODE_LCTRL);
  session_->key_down(SDL_SCANCODE_LSHIFT);
  session_->key_down(SDL_SCANCODE_T);
  session_->release_all();  // focus lost with three keys held
  std::set<int> down;
  for (const auto& e : events("/tmp/release.log")) {
    ASSERT_EQ(e.type, 1);
    if (e.value == 1) {
      down.insert(e.code);
    } else if (e.value == 0) {
      EXPECT_EQ(down.erase(e.code), 1u) << "release of a key that was not down: " << e.code;
    }
  }
  EXPECT_TRUE(down.empty()) << down.size() << " key(s) stuck in the guest";
}

TEST_F(VmSpiceInput, AbsoluteMouseLandsOnGuestCoordinates) {
  ASSERT_TRUE(wait_status(
      *session_, [](const SessionStatus& s) { return s.mouse_mode == spice::MouseMode::Client; }, 10000))
      << "QEMU did not allow client mouse mode";
  // The guest display is 1280x720; QEMU scales to the tablet's 0..32767: v * 32767 / size.
  listen("USB Tablet", 6, "/tmp/tablet.log");
  session_->mouse_position(100, 50);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // positions are coalesced until acked
  session_->mouse_position(1000, 600);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  session_->mouse_button(1, true);
  session_->mouse_button(1, false);
  const std::vector<EvdevEvent> expected = {{3, 0, 100 * 32767 / 1280},
                                            {3, 1, 50 * 32767 / 720},
                                            {3, 0, 1000 * 32767 / 1280},
                                            {3, 1, 600 * 32767 / 720},
                                            {1, 272, 1},
                                            {1, 272, 0}};  // EV_ABS X/Y, BTN_LEFT
  EXPECT_EQ(events("/tmp/tablet.log"), expected);
}

TEST_F(VmSpiceInput, ClickInAHalfSizeWindowLandsOnTheGuestPixelUnderIt) {
  ASSERT_TRUE(wait_status(
      *session_, [](const SessionStatus& s) { return s.mouse_mode == spice::MouseMode::Client; }, 10000));
  // The client shows the 1280x720 guest in a 640x360 window; the user clicks at window (50, 25).
  const auto guest = spice::window_to_guest(50, 25, spice::Viewport{0, 0, 640, 360}, 1280, 720);
  ASSERT_TRUE(guest.has_value());
  ASSERT_EQ(*guest, (spice::GuestPoint{101, 51}));
  listen("USB Tablet", 4, "/tmp/scaled.log");
  session_->mouse_position(guest->x, guest->y);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  session_->mouse_button(1, true);
  session_->mouse_button(1, false);
  const std::vector<EvdevEvent> expected = {
      {3, 0, 101 * 32767 / 1280}, {3, 1, 51 * 32767 / 720}, {1, 272, 1}, {1, 272, 0}};
  EXPECT_EQ(events("/tmp/scaled.log"), expected);
}

}  // namespace
}  // namespace kagami::vm_test
