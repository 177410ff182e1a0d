// One real guest boot, several checks of what kagami relies on in a VM: the ivshmem BAR is the
// host's /dev/shm file (both directions), the guest framebuffer is what the display shows,
// the USB tablet and keyboard reach the guest, SPICE listens on loopback, and the harness's
// control port reports output and exit status. Prints the boot timings (not gating).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <thread>
#include <vector>

#include "guest_suite.h"
#include "guest_vm.h"
#include "ppm_image.h"
#include "test_pattern.h"

namespace kagami::vm_test {
namespace {

class VmGuest : public GuestSuite {
 protected:
  static void SetUpTestSuite() {
    VmOptions options;
    options.assets_dir = KAGAMI_VM_ASSETS;
    options.files = {{KAGAMI_VM_PROGRAM_KAGAMI_VM_IVSHMEM, "/bin/kagami-vm-ivshmem"},
                     {KAGAMI_VM_PROGRAM_KAGAMI_VM_FB_DRAW, "/bin/kagami-vm-fb-draw"},
                     {KAGAMI_VM_PROGRAM_KAGAMI_VM_INPUT_EVENTS, "/bin/kagami-vm-input-events"}};
    boot(std::move(options));
  }
};

std::string read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST_F(VmGuest, BootsAndReportsItsDevices) {
  // Every stage the guest's /init reports, in order; their times are the boot benchmark.
  for (const char* stage : {"userspace", "framebuffer", "ivshmem", "ready", "input"}) {
    auto event = vm().wait_for_console(std::string("kagami-vm: ") + stage, 15000);
    ASSERT_TRUE(event) << event.error().message;
    std::printf("[timing] %-11s guest uptime %5.2f s (host saw it %5.2f s after starting QEMU, accel %s)\n",
                stage, event->guest_uptime, event->host_seconds, vm().accel().c_str());
  }
}

TEST_F(VmGuest, ControlPortReturnsOutputAndExitStatus) {
  auto result = vm().run("echo first; echo second >&2; exit 7");
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->status, 7);
  EXPECT_EQ(result->output, "first\nsecond\n");
  auto again = vm().run("uname -m");
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->status, 0);
  EXPECT_EQ(again->output, "x86_64\n");
}

// Background programs that end while the control loop reads a command must not eat any of it
// (busybox's `read` restarts on SIGCHLD and drops what it had read).
TEST_F(VmGuest, ControlPortSurvivesBackgroundProgramsEnding) {
  const std::string long_text(200, 'k');
  for (int i = 0; i < 10; ++i) {
    auto started = vm().run("sleep 0.0" + std::to_string(i % 5 + 1) + " >/dev/null 2>&1 &");
    ASSERT_TRUE(started) << started.error().message;
    auto echoed = vm().run("echo " + long_text);
    ASSERT_TRUE(echoed) << echoed.error().message;
    EXPECT_EQ(echoed->output, long_text + "\n");
  }
}

TEST_F(VmGuest, GuestWritesToTheIvshmemBarLandInTheHostShmFile) {
  constexpr std::uint32_t seed = 0x5eed;
  auto result = vm().run("kagami-vm-ivshmem write " + std::to_string(seed));
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_EQ(result->status, 0) << result->output;
  std::printf("[timing] guest: %s", result->output.c_str());

  // Read the file itself (not the harness's mapping): that is what a host process sees.
  const std::string bytes = read_whole_file(vm().shm_path());
  ASSERT_EQ(bytes.size(), 32u << 20);
  std::size_t mismatches = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (static_cast<std::uint8_t>(bytes[i]) != pattern_byte(i, seed)) ++mismatches;
  }
  EXPECT_EQ(mismatches, 0u) << "of " << bytes.size() << " bytes in " << vm().shm_path();
}

TEST_F(VmGuest, HostWritesToTheShmFileAreSeenInTheGuestBar) {
  constexpr std::uint32_t seed = 4242;
  auto shm = vm().shm();
  for (std::size_t i = 0; i < shm.size(); ++i) shm[i] = static_cast<std::byte>(pattern_byte(i, seed));
  auto result = vm().run("kagami-vm-ivshmem check " + std::to_string(seed));
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->status, 0) << result->output;
  // And the check is not vacuous: another seed's pattern is not what the BAR holds.
  auto wrong = vm().run("kagami-vm-ivshmem check " + std::to_string(seed + 1));
  ASSERT_TRUE(wrong) << wrong.error().message;
  EXPECT_NE(wrong->status, 0) << wrong->output;
}

// Screendumps until the display shows the pattern of `seed` (fbdev updates the screen
// asynchronously) or 5 s pass; returns the number of wrong pixels in the last screendump.
std::size_t wrong_pixels_on_display(GuestVm& vm, std::uint32_t seed, std::string& detail) {
  std::size_t wrong = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  do {
    const std::string path = vm.work_dir() + "/screen-" + std::to_string(seed) + ".ppm";
    auto dumped = vm.screendump(path);
    if (!dumped) {
      detail = dumped.error().message;
      return SIZE_MAX;
    }
    auto image = read_ppm(path);
    if (!image) {
      detail = image.error().message;
      return SIZE_MAX;
    }
    if (image->width != 1280 || image->height != 720) {
      detail = "display is " + std::to_string(image->width) + "x" + std::to_string(image->height);
      return SIZE_MAX;
    }
    wrong = 0;
    for (std::uint32_t y = 0; y < image->height; ++y) {
      for (std::uint32_t x = 0; x < image->width; ++x) {
        if (image->pixel(x, y) != pattern_pixel(x, y, seed) && wrong++ == 0) {
          char text[96];
          std::snprintf(text, sizeof(text), "first wrong pixel (%u,%u): %06x, expected %06x", x, y,
                        image->pixel(x, y), pattern_pixel(x, y, seed));
          detail = text;
        }
      }
    }
    if (wrong == 0) return 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  } while (std::chrono::steady_clock::now() < deadline);
  return wrong;
}

TEST_F(VmGuest, FramebufferDrawingIsWhatTheDisplayShows) {
  for (const std::uint32_t seed : {1u, 2u}) {  // the second picture changes every block
    auto drawn = vm().run("kagami-vm-fb-draw " + std::to_string(seed));
    ASSERT_TRUE(drawn) << drawn.error().message;
    ASSERT_EQ(drawn->status, 0) << drawn->output;
    std::string detail;
    EXPECT_EQ(wrong_pixels_on_display(vm(), seed, detail), 0u) << "seed " << seed << ": " << detail;
  }
}

TEST_F(VmGuest, UsbTabletAndKeyboardAreGuestInputDevices) {
  auto usb_ready = vm().wait_for_console("kagami-vm: input", 15000);
  ASSERT_TRUE(usb_ready) << usb_ready.error().message;
  auto devices = vm().run("cat /proc/bus/input/devices");
  ASSERT_TRUE(devices) << devices.error().message;
  EXPECT_NE(devices->output.find("QEMU QEMU USB Tablet"), std::string::npos) << devices->output;
  EXPECT_NE(devices->output.find("QEMU QEMU USB Keyboard"), std::string::npos) << devices->output;
  // evdev gives each a node the SPICE input tests can read.
  auto nodes = vm().run("ls /dev/input/");
  ASSERT_TRUE(nodes) << nodes.error().message;
  EXPECT_NE(nodes->output.find("event"), std::string::npos) << nodes->output;
}

// Input QEMU injects (as SPICE's inputs channel does) arrives in the guest as evdev events of the
// USB tablet (absolute, 0..32767 on both axes) and the USB keyboard.
TEST_F(VmGuest, InjectedTabletAndKeyboardInputReachesGuestEvdev) {
  auto usb_ready = vm().wait_for_console("kagami-vm: input", 15000);  // USB devices come after "ready"
  ASSERT_TRUE(usb_ready) << usb_ready.error().message;
  auto tablet = vm().run("kagami-vm-input-events 'USB Tablet' 2 10000 >/tmp/tablet.log 2>&1 &");
  ASSERT_TRUE(tablet) << tablet.error().message;
  auto keyboard = vm().run("kagami-vm-input-events 'USB Keyboard' 2 10000 >/tmp/keyboard.log 2>&1 &");
  ASSERT_TRUE(keyboard) << keyboard.error().message;
  for (const char* log : {"cat /tmp/tablet.log", "cat /tmp/keyboard.log"}) {
    auto listening = vm().run_until(log, "listening", 10000);
    ASSERT_TRUE(listening) << listening.error().message;
  }
  auto moved = vm().qmp(
      R"({"execute":"input-send-event","arguments":{"events":[)"
      R"({"type":"abs","data":{"axis":"x","value":16384}},{"type":"abs","data":{"axis":"y","value":8191}}]}})");
  ASSERT_TRUE(moved) << moved.error().message;
  for (const char* down : {"true", "false"}) {
    auto key =
        vm().qmp(std::string(R"({"execute":"input-send-event","arguments":{"events":[)") +
                 R"({"type":"key","data":{"down":)" + down + R"(,"key":{"type":"qcode","data":"a"}}}]}})");
    ASSERT_TRUE(key) << key.error().message;
  }

  auto tablet_events = vm().run_until("cat /tmp/tablet.log", "done", 10000);
  ASSERT_TRUE(tablet_events) << tablet_events.error().message;
  EXPECT_NE(tablet_events->output.find("\n3 0 16384\n"), std::string::npos)
      << tablet_events->output;                                                                       // ABS_X
  EXPECT_NE(tablet_events->output.find("\n3 1 8191\n"), std::string::npos) << tablet_events->output;  // ABS_Y
  auto key_events = vm().run_until("cat /tmp/keyboard.log", "done", 10000);
  ASSERT_TRUE(key_events) << key_events.error().message;
  EXPECT_NE(key_events->output.find("\n1 30 1\n1 30 0\n"), std::string::npos) << key_events->output;  // KEY_A
}

TEST_F(VmGuest, SpiceListensOnLoopback) {
  auto info = vm().monitor("info spice");
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_NE(info->find("127.0.0.1:" + std::to_string(vm().spice_port())), std::string::npos) << *info;

  // A SPICE server answers a client's link message with its own, magic "REDQ" first.
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(vm().spice_port()));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  // SpiceLinkHeader {magic, major 2, minor 2, size} + SpiceLinkMess for the main channel.
  const std::uint32_t message[] = {0x51444552u, 2, 2, 18, 0, 1, 0, 0, 0, 18};
  std::vector<char> bytes(reinterpret_cast<const char*>(message),
                          reinterpret_cast<const char*>(message) + 34);
  ASSERT_EQ(send(fd, bytes.data(), bytes.size(), 0), static_cast<ssize_t>(bytes.size()));
  timeval timeout{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  char reply[4] = {};
  EXPECT_EQ(recv(fd, reply, sizeof(reply), MSG_WAITALL), 4);
  EXPECT_EQ(std::string(reply, 4), "REDQ");
  close(fd);
}

}  // namespace
}  // namespace kagami::vm_test
