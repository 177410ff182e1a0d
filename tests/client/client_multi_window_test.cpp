// One kagami-client, one window per region (issue 13 part 4): a "guest" Xvfb split into two RandR
// monitors -> one real kagami-agent with two `--output X --shm Y` pairs (x11 capture per monitor)
// -> two regions -> one real kagami-client with two --shm on a second Xvfb -> two windows, each
// read back with GetImage and compared pixel for pixel with its monitor. Then one output's agent
// goes away and comes back while the other window keeps taking new frames. Once per renderer
// backend: the windows share the render thread, each with its own GL (or Vulkan) and ImGui context.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <xcb/xcb.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include "e2e_harness.h"
#include "renderer_backends.h"
#include "xvfb.h"

namespace kagami::client {
namespace {

constexpr int kWidth = 640, kHeight = 360;  // each monitor; the guest screen is both side by side

// Paints the guest screen's root window (what the agent captures).
void fill(const std::string& display, int x, int y, int w, int h, std::uint32_t rgb) {
  xcb_connection_t* c = xcb_connect(display.c_str(), nullptr);
  const xcb_window_t root = xcb_setup_roots_iterator(xcb_get_setup(c)).data->root;
  const xcb_gcontext_t gc = xcb_generate_id(c);
  xcb_create_gc(c, gc, root, XCB_GC_FOREGROUND, &rgb);
  const xcb_rectangle_t r{static_cast<std::int16_t>(x), static_cast<std::int16_t>(y),
                          static_cast<std::uint16_t>(w), static_cast<std::uint16_t>(h)};
  xcb_poly_fill_rectangle(c, root, gc, 1, &r);
  xcb_free_gc(c, gc);
  std::free(xcb_get_input_focus_reply(c, xcb_get_input_focus(c), nullptr));  // the fill is done
  xcb_disconnect(c);
}

// A RandR monitor without outputs, through the xrandr program (as tests/agent does it).
bool set_monitor(const std::string& display, const char* name, int x) {
  return std::system(fmt::format("DISPLAY={} xrandr --setmonitor {} {}/{}x{}/{}+{}+0 none", display, name,
                                 kWidth, kWidth / 4, kHeight, kHeight / 4, x)
                         .c_str()) == 0;
}

// Asks the client's top-level window at screen x `x` to close, as a window manager's close button
// does (WM_PROTOCOLS / WM_DELETE_WINDOW); false when there is no such window.
bool close_window_at(const std::string& display, int x) {
  xcb_connection_t* c = xcb_connect(display.c_str(), nullptr);
  const xcb_window_t root = xcb_setup_roots_iterator(xcb_get_setup(c)).data->root;
  const auto atom = [c](const char* name) {
    auto* reply = xcb_intern_atom_reply(
        c, xcb_intern_atom(c, 0, static_cast<std::uint16_t>(std::strlen(name)), name), nullptr);
    const xcb_atom_t a = reply ? reply->atom : xcb_atom_t{XCB_ATOM_NONE};
    std::free(reply);
    return a;
  };
  bool sent = false;
  auto* tree = xcb_query_tree_reply(c, xcb_query_tree(c, root), nullptr);
  for (int i = 0; tree && i < xcb_query_tree_children_length(tree) && !sent; ++i) {
    const xcb_window_t w = xcb_query_tree_children(tree)[i];
    auto* geometry = xcb_get_geometry_reply(c, xcb_get_geometry(c, w), nullptr);
    auto* attributes = xcb_get_window_attributes_reply(c, xcb_get_window_attributes(c, w), nullptr);
    if (geometry && attributes && geometry->x == x && geometry->y == 0 &&
        attributes->map_state == XCB_MAP_STATE_VIEWABLE && geometry->width == kWidth) {
      xcb_client_message_event_t event{};
      event.response_type = XCB_CLIENT_MESSAGE;
      event.format = 32;
      event.window = w;
      event.type = atom("WM_PROTOCOLS");
      event.data.data32[0] = atom("WM_DELETE_WINDOW");
      event.data.data32[1] = XCB_CURRENT_TIME;
      xcb_send_event(c, 0, w, XCB_EVENT_MASK_NO_EVENT, reinterpret_cast<const char*>(&event));
      sent = true;
    }
    std::free(geometry);
    std::free(attributes);
  }
  std::free(tree);
  std::free(xcb_get_input_focus_reply(c, xcb_get_input_focus(c), nullptr));  // delivered
  xcb_disconnect(c);
  return sent;
}

class TwoMonitors : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(std::system("command -v xrandr >/dev/null"), 0) << "xrandr is needed (scripts/deps/x11.txt)";
    ASSERT_TRUE(set_monitor(guest_.display(), "LEFT", 0));
    ASSERT_TRUE(set_monitor(guest_.display(), "RIGHT", kWidth));
    fill(guest_.display(), 0, 0, kWidth, kHeight, 0x203040);
    fill(guest_.display(), kWidth, 0, kWidth, kHeight, 0x405060);
    fill(guest_.display(), 100, 50, 40, 30, 0xFF0000);           // a mark on LEFT
    fill(guest_.display(), kWidth + 200, 80, 60, 20, 0x00FF00);  // and one on RIGHT
  }

  std::vector<std::string> agent_args(
      const std::vector<std::pair<const char*, const std::string*>>& outputs) {
    std::vector<std::string> args = {"--capture",      "x11",         "--display",
                                     guest_.display(), "--log-level", "warn"};
    for (const auto& [name, shm] : outputs) args.insert(args.end(), {"--output", name, "--shm", *shm});
    return args;
  }
  // The monitor as the guest shows it, and as window `index` (0 or 1) of the client shows it.
  test::XImage monitor(int index) {
    return test::read_root(guest_.display(), index * kWidth, 0, kWidth, kHeight);
  }
  // Waits until window `index` shows exactly what its monitor shows now.
  bool window_shows_its_monitor(int index, int timeout_ms = 10000) {
    const test::XImage want = monitor(index);
    const test::XImage got = test::read_root_until(
        host_.display(), index * kWidth, 0, kWidth, kHeight,
        [&](const test::XImage& image) { return image.pixels == want.pixels; }, timeout_ms);
    return got.pixels == want.pixels;
  }

  test::Xvfb guest_{2 * kWidth, kHeight};      // the guest's screen, two monitors
  test::Xvfb host_{2 * kWidth, kHeight + 40};  // where the client's windows are
  test::ShmRegion left_{32u << 20}, right_{32u << 20};
};

class MultiWindow : public TwoMonitors, public ::testing::WithParamInterface<test::RendererBackend> {};

TEST_P(MultiWindow, TwoOutputsOfOneAgentShowPixelExactInTwoWindowsOfOneClient) {
  auto agent =
      std::make_unique<test::AgentProcess>(agent_args({{"LEFT", &left_.path()}, {"RIGHT", &right_.path()}}));
  // The harness puts the first window at 0,0; the second --shm opens a second window beside it.
  const test::RendererBackend& backend = GetParam();
  std::vector<std::string> args = backend.client_args();
  args.insert(args.end(), {"--shm", right_.path(), "--no-show-cursor"});
  if (backend.gles_upload.empty())
    unsetenv("KAGAMI_GLES_UPLOAD");
  else
    setenv("KAGAMI_GLES_UPLOAD", backend.gles_upload.c_str(), 1);
  test::ClientProcess client(host_.display(), left_.path(), kWidth, kHeight, args);
  unsetenv("KAGAMI_GLES_UPLOAD");
  ASSERT_TRUE(client.wait_for_log("2 windows, one per region")) << client.log();
  // Both windows on the backend asked for, neither on a fallback.
  for (const std::string* shm : {&left_.path(), &right_.path()})
    EXPECT_TRUE(client.wait_for_log(*shm + ": renderer: ")) << client.log();
  {
    const std::string log = client.log();
    std::size_t lines = 0;
    for (std::size_t at = log.find(": renderer: "); at != std::string::npos;
         at = log.find(": renderer: ", at + 1)) {
      const std::string line = log.substr(at, log.find('\n', at) - at);
      EXPECT_NE(line.find(backend.expect_in_describe), std::string::npos) << line;
      ++lines;
    }
    EXPECT_EQ(lines, 2u) << log;
  }

  // 1. Each window shows its own monitor, pixel for pixel.
  EXPECT_TRUE(window_shows_its_monitor(0)) << client.log();
  EXPECT_TRUE(window_shows_its_monitor(1)) << client.log();
  const test::XImage left_before = test::read_root(host_.display(), 0, 0, kWidth, kHeight);

  // 2. A change on RIGHT reaches window 2; window 1 stays as it was.
  fill(guest_.display(), kWidth + 300, 200, 50, 40, 0xC0FFEE);
  EXPECT_TRUE(window_shows_its_monitor(1)) << client.log();
  EXPECT_EQ(test::read_root(host_.display(), 0, 0, kWidth, kHeight).pixels, left_before.pixels);

  // 3. RIGHT's agent goes away (the agent is restarted serving LEFT alone): window 1 takes the new
  // session and keeps showing changes while window 2 has no agent.
  agent->stop();
  agent = std::make_unique<test::AgentProcess>(agent_args({{"LEFT", &left_.path()}}));
  fill(guest_.display(), 10, 10, 200, 100, 0x112233);
  EXPECT_TRUE(window_shows_its_monitor(0)) << client.log();
  fill(guest_.display(), 300, 200, 80, 60, 0x445566);
  EXPECT_TRUE(window_shows_its_monitor(0)) << client.log();

  // 4. RIGHT's agent comes back (a process of its own): window 2 shows RIGHT again, with what
  // changed meanwhile, and window 1 carries on.
  test::AgentProcess right_agent(agent_args({{"RIGHT", &right_.path()}}));
  fill(guest_.display(), kWidth + 20, 20, 100, 100, 0xABCDEF);
  EXPECT_TRUE(window_shows_its_monitor(1)) << client.log();
  fill(guest_.display(), 20, 300, 100, 40, 0x778899);
  EXPECT_TRUE(window_shows_its_monitor(0)) << client.log();
  EXPECT_TRUE(client.alive());
}

// Closing one window ends that display only; closing the last ends the client (exit 0).
TEST_F(TwoMonitors, ClosingOneWindowLeavesTheOtherAndTheLastEndsTheClient) {
  test::AgentProcess agent(agent_args({{"LEFT", &left_.path()}, {"RIGHT", &right_.path()}}));
  test::ClientProcess client(host_.display(), left_.path(), kWidth, kHeight,
                             {"--shm", right_.path(), "--no-show-cursor"});
  ASSERT_TRUE(window_shows_its_monitor(0)) << client.log();
  ASSERT_TRUE(window_shows_its_monitor(1)) << client.log();

  ASSERT_TRUE(close_window_at(host_.display(), kWidth));
  ASSERT_TRUE(client.wait_for_log("window for " + right_.path() + " closed")) << client.log();
  fill(guest_.display(), 30, 30, 100, 100, 0x123456);
  EXPECT_TRUE(window_shows_its_monitor(0)) << client.log();
  EXPECT_TRUE(client.alive());

  ASSERT_TRUE(close_window_at(host_.display(), 0));
  for (int i = 0; i < 100 && client.alive(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_FALSE(client.alive()) << client.log();
  EXPECT_TRUE(WIFEXITED(client.status()) && WEXITSTATUS(client.status()) == 0) << client.log();
}

INSTANTIATE_TEST_SUITE_P(Backends, MultiWindow, ::testing::ValuesIn(test::renderer_backends()),
                         [](const auto& p) { return p.param.name; });

}  // namespace
}  // namespace kagami::client
