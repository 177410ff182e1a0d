// A hostile host against the real kagami-client on a private Xvfb (issue 11 items 2 and 7): the
// publisher is the protocol layer's own KvmfrHost writing into a /dev/shm region, with frames no
// honest agent sends. The client must stay small, answer input, end quickly on SIGTERM, and never
// let the guest pull the user's focus.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/times.h>
#include <unistd.h>
#include <xcb/xcb.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "e2e_harness.h"
#include "frame_builder.h"
#include "xvfb.h"

namespace kagami::client {
namespace {

using protocol::FrameType;
using test::ClientProcess;
using test::ShmRegion;
using test::TestAgent;

constexpr std::size_t kRegionSize = 32u << 20;

int xdotool(const std::string& display, const std::string& args) {
  return std::system(("DISPLAY=" + display + " xdotool " + args + " >/dev/null 2>&1").c_str());
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// utime + stime of a process, seconds.
double cpu_seconds(const std::string& pid) {
  std::ifstream in("/proc/" + pid + "/stat");
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream rest(all.substr(all.rfind(')') + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// WM_HINTS of the first top-level window: flags bit 8 is XUrgencyHint (ICCCM 4.1.2.4).
bool window_urgent(const std::string& display) {
  xcb_connection_t* c = xcb_connect(display.c_str(), nullptr);
  bool urgent = false;
  if (!xcb_connection_has_error(c)) {
    xcb_screen_t* screen = xcb_setup_roots_iterator(xcb_get_setup(c)).data;
    xcb_query_tree_reply_t* tree = xcb_query_tree_reply(c, xcb_query_tree(c, screen->root), nullptr);
    if (tree) {
      xcb_window_t* children = xcb_query_tree_children(tree);
      for (int i = 0; i < xcb_query_tree_children_length(tree); ++i) {
        auto* prop = xcb_get_property_reply(
            c, xcb_get_property(c, 0, children[i], XCB_ATOM_WM_HINTS, XCB_ATOM_WM_HINTS, 0, 9), nullptr);
        if (prop && xcb_get_property_value_length(prop) >= 4)
          urgent |= (*static_cast<const std::uint32_t*>(xcb_get_property_value(prop)) & (1u << 8)) != 0;
        free(prop);
      }
      free(tree);
    }
  }
  xcb_disconnect(c);
  return urgent;
}

// Another X client's window takes the input focus, as when the user types elsewhere: SDL sets
// the urgency hint only on a window without focus. Kept open while the object lives.
class FocusThief {
 public:
  explicit FocusThief(const std::string& display) : c_(xcb_connect(display.c_str(), nullptr)) {
    xcb_screen_t* screen = xcb_setup_roots_iterator(xcb_get_setup(c_)).data;
    window_ = xcb_generate_id(c_);
    xcb_create_window(c_, XCB_COPY_FROM_PARENT, window_, screen->root, 700, 500, 20, 20, 0,
                      XCB_WINDOW_CLASS_INPUT_OUTPUT, screen->root_visual, 0, nullptr);
    xcb_map_window(c_, window_);
    xcb_set_input_focus(c_, XCB_INPUT_FOCUS_POINTER_ROOT, window_, XCB_CURRENT_TIME);
    xcb_aux_sync();
  }
  ~FocusThief() { xcb_disconnect(c_); }

 private:
  void xcb_aux_sync() { free(xcb_get_input_focus_reply(c_, xcb_get_input_focus(c_), nullptr)); }
  xcb_connection_t* c_;
  xcb_window_t window_ = 0;
};

// A frame that declares `declared` x `declared` but carries 64x64 rows of data.
protocol::FrameDescription giant(FrameType type, std::uint32_t declared) {
  protocol::FrameDescription d;
  d.type = type;
  d.screen_width = d.screen_height = declared;
  d.frame_width = d.frame_height = declared;
  d.data_width = d.data_height = 64;
  d.pitch = 64 * protocol::bytes_per_texel(type);
  return d;
}

class HostileHost : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(std::system("command -v xdotool >/dev/null"), 0) << "xdotool is needed (scripts/deps/x11.txt)";
    xvfb_ = std::make_unique<test::Xvfb>(800, 600);
    shots_ = std::filesystem::temp_directory_path() / ("kagami-hostile-" + std::to_string(getpid()));
    std::filesystem::create_directories(shots_);
  }
  void TearDown() override {
    xvfb_.reset();
    std::filesystem::remove_all(shots_);
  }
  // Escape + S: the screenshot command runs on the render thread; its log line proves input was
  // answered. Returns the milliseconds it took, or -1.
  int screenshot_ms(ClientProcess& client) {
    const std::size_t before = count(client.log(), "screenshot");
    const auto start = std::chrono::steady_clock::now();
    if (xdotool(xvfb_->display(), "mousemove 10 10 keydown Scroll_Lock key s keyup Scroll_Lock") != 0)
      return -1;
    while (std::chrono::steady_clock::now() - start < std::chrono::seconds(3)) {
      if (count(client.log(), "screenshot") > before) {
        return static_cast<int>(
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start)
                .count());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return -1;
  }

  std::unique_ptr<test::Xvfb> xvfb_;
  std::filesystem::path shots_;
};

TEST_F(HostileHost, GiantDeclaredFramesAlternatingFormatsStaySmallAnswerInputAndEndOnSigterm) {
  ShmRegion region(kRegionSize);
  TestAgent agent(region.bytes());
  agent.start();
  ClientProcess client(xvfb_->display(), region.path(), 320, 240, {"--screenshot-dir", shots_.string()});
  ASSERT_TRUE(client.wait_for_log("connected to")) << client.log();

  std::atomic<bool> flooding{true};
  std::atomic<int> posted{0};
  std::thread flood([&] {
    // RGBA16F and BGRA in turn at 16384x16384 (2 GiB and 1 GiB of texture if taken at their word).
    for (int i = 0; flooding; ++i) {
      agent.post_with(giant(i % 2 ? FrameType::bgra : FrameType::rgba16f, 16384),
                      [](protocol::FrameWrite& w) {
                        std::memset(w.pixels().data(), 0x3C, w.pixels().size());
                        w.finish();
                      });
      ++posted;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  std::uint64_t peak_kib = 0;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (std::chrono::steady_clock::now() < until) {
    peak_kib = std::max(peak_kib, client.rss_kib());
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const int answered_ms = screenshot_ms(client);
  peak_kib = std::max(peak_kib, client.rss_kib());
  flooding = false;
  flood.join();

  EXPECT_GT(posted.load(), 8);  // each is a new format: the client takes at most 4 a second
  EXPECT_LT(peak_kib, 400u * 1024) << "peak RSS " << peak_kib / 1024 << " MiB\n" << client.log();
  EXPECT_GE(answered_ms, 0) << "the screenshot command was not answered\n" << client.log();
  EXPECT_LT(answered_ms, 1000) << client.log();
  EXPECT_NE(client.log().find("but sends 64x64: showing what arrived"), std::string::npos) << client.log();
  const auto stop = std::chrono::steady_clock::now();
  EXPECT_TRUE(client.terminate_within(1000)) << client.log();
  const auto stop_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - stop).count();
  RecordProperty("peak_rss_mib", static_cast<int>(peak_kib / 1024));
  RecordProperty("input_ms", answered_ms);
  RecordProperty("sigterm_ms", static_cast<int>(stop_ms));
  std::printf(
      "hostile giant frames: %d posted, client peak RSS %llu MiB, input answered in %d ms, SIGTERM -> exit "
      "%lld ms\n",
      posted.load(), static_cast<unsigned long long>(peak_kib / 1024), answered_ms,
      static_cast<long long>(stop_ms));
}

TEST_F(HostileHost, AWritePointerThatNeverMovesSleepsAndKeepsTheWindowAnswering) {
  ShmRegion region(kRegionSize);
  TestAgent agent(region.bytes());
  agent.start();
  ClientProcess client(xvfb_->display(), region.path(), 320, 240, {"--screenshot-dir", shots_.string()});
  agent.post(test::build_frame(FrameType::bgra, 320, 240));
  ASSERT_TRUE(client.wait_for_log("guest image 320x240")) << client.log();

  // Frames whose rows never arrive: the write pointer stays at 0.
  std::atomic<bool> stuck{true};
  std::thread host([&] {
    while (stuck) {
      protocol::FrameDescription d = test::build_frame(FrameType::bgra, 320, 240).description;
      agent.post_with(d, [](protocol::FrameWrite&) {});
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const double cpu_before = cpu_seconds(client.pid_string());
  const auto t0 = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::seconds(2));
  const double cpu = (cpu_seconds(client.pid_string()) - cpu_before) /
                     std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const int answered_ms = screenshot_ms(client);
  stuck = false;
  host.join();
  // Busy-waiting on the write pointer cost ~66% of a core before; sleeping costs a few percent.
  EXPECT_LT(cpu, 0.3) << "client CPU " << cpu * 100 << "% of a core while waiting\n" << client.log();
  EXPECT_GE(answered_ms, 0) << client.log();
  EXPECT_LT(answered_ms, 1000) << client.log();
  EXPECT_TRUE(client.terminate_within(1000)) << client.log();
  std::printf("write pointer stuck: client CPU %.1f%% of a core, input answered in %d ms\n", cpu * 100,
              answered_ms);
}

TEST_F(HostileHost, AFloodOfActivationRequestsAsksForAttentionOnceAndNeverRaises) {
  ShmRegion region(kRegionSize);
  TestAgent agent(region.bytes());
  agent.start();
  ClientProcess client(xvfb_->display(), region.path(), 320, 240);
  agent.post(test::build_frame(FrameType::bgra, 320, 240));
  ASSERT_TRUE(client.wait_for_log("guest image 320x240")) << client.log();
  FocusThief thief(xvfb_->display());  // the user types into another window
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  test::BuiltFrame frame = test::build_frame(FrameType::bgra, 320, 240);
  frame.description.flags |= protocol::kFrameFlagRequestActivation;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  int posted = 0;
  while (std::chrono::steady_clock::now() < until) {
    agent.post(frame);
    ++posted;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const std::string log = client.log();
  EXPECT_GT(posted, 50);
  EXPECT_EQ(count(log, "the guest asked for attention"), 1u) << log;
  EXPECT_TRUE(window_urgent(xvfb_->display())) << "no urgency hint on the window";
}

TEST_F(HostileHost, RequestActivationOffIgnoresTheFlag) {
  ShmRegion region(kRegionSize);
  TestAgent agent(region.bytes());
  agent.start();
  ClientProcess client(xvfb_->display(), region.path(), 320, 240, {"--no-request-activation"});
  test::BuiltFrame frame = test::build_frame(FrameType::bgra, 320, 240);
  frame.description.flags |= protocol::kFrameFlagRequestActivation;
  agent.post(frame);
  ASSERT_TRUE(client.wait_for_log("guest image 320x240")) << client.log();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(count(client.log(), "the guest asked for attention"), 0u);
  EXPECT_FALSE(window_urgent(xvfb_->display()));
}

}  // namespace
}  // namespace kagami::client
