// The whole guest path on a private Xvfb: X11 capture (MIT-SHM straight into the region's
// frame slot) -> agent -> a real KvmfrSession reader.
#include <gtest/gtest.h>
#include <xcb/randr.h>
#include <xcb/xcb.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "agent/agent.h"
#include "agent/guest_info.h"
#include "capture/x11/x11_backend.h"
#include "reader.h"
#include "test_region.h"
#include "xvfb.h"

namespace kagami::agent {
namespace {

using namespace std::chrono_literals;

class XDraw {
 public:
  explicit XDraw(const std::string& display) : c_(xcb_connect(display.c_str(), nullptr)) {
    root_ = xcb_setup_roots_iterator(xcb_get_setup(c_)).data->root;
  }
  ~XDraw() { xcb_disconnect(c_); }
  xcb_connection_t* c() const { return c_; }
  xcb_window_t root() const { return root_; }
  void sync() { std::free(xcb_get_input_focus_reply(c_, xcb_get_input_focus(c_), nullptr)); }
  void fill(std::int16_t x, std::int16_t y, std::uint16_t w, std::uint16_t h, std::uint32_t rgb) {
    const xcb_gcontext_t gc = xcb_generate_id(c_);
    xcb_create_gc(c_, gc, root_, XCB_GC_FOREGROUND, &rgb);
    const xcb_rectangle_t r{x, y, w, h};
    xcb_poly_fill_rectangle(c_, root_, gc, 1, &r);
    xcb_free_gc(c_, gc);
    sync();
  }
  std::vector<std::byte> image(std::uint16_t w, std::uint16_t h) {
    auto* r = xcb_get_image_reply(c_, xcb_get_image(c_, XCB_IMAGE_FORMAT_Z_PIXMAP, root_, 0, 0, w, h, ~0u),
                                  nullptr);
    auto* d = reinterpret_cast<std::byte*>(xcb_get_image_data(r));
    std::vector<std::byte> out(d, d + xcb_get_image_data_length(r));
    std::free(r);
    return out;
  }
  void resize(std::uint16_t w, std::uint16_t h) {
    auto* res = xcb_randr_get_screen_resources_current_reply(
        c_, xcb_randr_get_screen_resources_current(c_, root_), nullptr);
    const xcb_randr_crtc_t* crtcs = xcb_randr_get_screen_resources_current_crtcs(res);
    for (int i = 0; i < xcb_randr_get_screen_resources_current_crtcs_length(res); ++i) {
      std::free(xcb_randr_set_crtc_config_reply(
          c_,
          xcb_randr_set_crtc_config(c_, crtcs[i], XCB_CURRENT_TIME, res->config_timestamp, 0, 0, XCB_NONE,
                                    XCB_RANDR_ROTATION_ROTATE_0, 0, nullptr),
          nullptr));
    }
    std::free(res);
    xcb_randr_set_screen_size(c_, root_, w, h, w / 4, h / 4);
    sync();
  }

 private:
  xcb_connection_t* c_;
  xcb_window_t root_;
};

TEST(AgentX11, FramesDamageCursorAndResizeReachTheReader) {
  testing::Xvfb xvfb(800, 600);
  ASSERT_FALSE(xvfb.display().empty()) << xvfb.error();
  XDraw x(xvfb.display());
  x.fill(0, 0, 800, 600, 0x202020);

  testing::TestRegion region(32 << 20);
  capture::X11Config config;
  config.display = xvfb.display();
  capture::X11Backend backend(config);
  ASSERT_TRUE(backend.start());
  Agent agent(AgentRegion{region.bytes(), region.fd()}, backend, collect_guest_info(backend.name()));
  std::atomic<bool> stop{false};
  Result<void> result;
  std::thread thread([&] { result = agent.run(stop); });
  testing::Reader reader(region.bytes());

  // 1. The first frame is the screen.
  auto frame = reader.next_frame();
  ASSERT_TRUE(frame) << reader.session().status().message;
  EXPECT_EQ(frame->info.frame_width, 800u);
  EXPECT_EQ(frame->info.type, protocol::FrameType::bgra);
  EXPECT_EQ(frame->pixels, x.image(800, 600));
  EXPECT_EQ(reader.session().guest().vm->capture, "x11");
  const std::uint32_t first_format = frame->info.format_ver;

  // 2. A change arrives with damage covering it, and the whole buffer stays current.
  x.fill(500, 300, 64, 32, 0xC0FFEE);
  bool seen = false;
  for (int i = 0; i < 20 && !seen; ++i) {
    frame = reader.next_frame();
    ASSERT_TRUE(frame);
    ASSERT_EQ(frame->pixels, x.image(800, 600));
    for (const auto& r : frame->info.damage) {
      seen |= r.x <= 500 && r.y <= 300 && r.x + r.width >= 564 && r.y + r.height >= 332;
    }
  }
  EXPECT_TRUE(seen) << "no frame announced damage covering the drawn rect";

  // 3. The pointer moves: a cursor message placing the shape's top-left (pointer - hotspot; the
  //    shape with its hotspot arrives first, as the agent sends it to every new reader).
  xcb_warp_pointer(x.c(), XCB_NONE, x.root(), 0, 0, 0, 0, 111, 222);
  x.sync();
  int hx = 0, hy = 0;
  bool shape_seen = false;
  EXPECT_TRUE(reader.next_cursor([&](const protocol::CursorUpdate& c) {
    if (c.shape) shape_seen = true, hx = c.shape->hotspot_x, hy = c.shape->hotspot_y;
    return shape_seen && c.has_position && c.x == 111 - hx && c.y == 222 - hy;
  }));

  // 4. RandR shrinks the screen: a new formatVer with the new size, same session.
  x.resize(640, 480);
  x.fill(600, 440, 40, 40, 0x0000FF);
  bool resized = false;
  for (int i = 0; i < 30 && !resized; ++i) {
    frame = reader.next_frame();
    ASSERT_TRUE(frame);
    resized = frame->info.frame_width == 640 && frame->pixels == x.image(640, 480);
  }
  ASSERT_TRUE(resized);
  EXPECT_NE(frame->info.format_ver, first_format);
  EXPECT_EQ(frame->info.pitch, 640u * 4);
  EXPECT_EQ(reader.session().counters().sessions, 1u);

  stop = true;
  thread.join();
  EXPECT_TRUE(result);
}

// The agent's two threads on one backend: the capture thread (re)starts it while the timer
// thread warps the pointer for a client. Under TSan (scripts/test-all) a root window written
// outside the connection lock shows up as a data race here.
TEST(AgentX11, CursorWarpsWhileTheBackendRestarts) {
  testing::Xvfb xvfb(320, 240);
  ASSERT_FALSE(xvfb.display().empty()) << xvfb.error();
  capture::X11Config config;
  config.display = xvfb.display();
  capture::X11Backend backend(config);
  std::atomic<bool> done{false};
  std::thread timer([&] {
    for (std::int32_t i = 0; !done.load(); ++i) backend.set_cursor_position(i % 320, i % 240);
  });
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(backend.start());
  done = true;
  timer.join();
  XDraw x(xvfb.display());
  backend.set_cursor_position(123, 45);
  // The warp travels on the backend's own connection: this one may ask before it has arrived.
  std::int16_t px = -1, py = -1;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  do {
    auto* p = xcb_query_pointer_reply(x.c(), xcb_query_pointer(x.c(), x.root()), nullptr);
    ASSERT_TRUE(p);
    px = p->root_x;
    py = p->root_y;
    std::free(p);
    if (px == 123 && py == 45) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  } while (std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(px, 123);
  EXPECT_EQ(py, 45);
}

}  // namespace
}  // namespace kagami::agent
