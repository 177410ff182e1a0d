// Several outputs from one agent: a private Xvfb whose screen is split into two RandR monitors
// (`xrandr --setmonitor`) -> x11 capture per monitor -> MultiOutputRunner
// -> two regions -> a real KvmfrSession (the protocol layer's viewer) on each, attached to its
// region alone, as a Looking Glass B7 client would be.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <xcb/xcb.h>

#include <atomic>
#include <cstdlib>
#include <thread>

#include "agent/guest_info.h"
#include "agent/multi_output.h"
#include "capture/x11/x11_backend.h"
#include "capture/x11/x11_outputs.h"
#include "reader.h"
#include "test_region.h"
#include "xvfb.h"

namespace kagami::agent {
namespace {

using namespace std::chrono_literals;

constexpr std::uint16_t kWidth = 640, kHeight = 360;  // each output; the screen is two side by side

class Screen {
 public:
  explicit Screen(const std::string& display) : display_(display), c_(xcb_connect(display.c_str(), nullptr)) {
    root_ = xcb_setup_roots_iterator(xcb_get_setup(c_)).data->root;
  }
  ~Screen() { xcb_disconnect(c_); }
  xcb_connection_t* c() const { return c_; }
  xcb_window_t root() const { return root_; }
  void sync() { std::free(xcb_get_input_focus_reply(c_, xcb_get_input_focus(c_), nullptr)); }

  // A RandR monitor without outputs, through the xrandr program (libxcb 1.15 sends SetMonitor
  // with a wrong length and the server drops the connection).
  bool set_monitor(const char* name, int x, int y, int w, int h) {
    const std::string command = fmt::format("DISPLAY={} xrandr --setmonitor {} {}/{}x{}/{}+{}+{} none",
                                            display_, name, w, w / 4, h, h / 4, x, y);
    return std::system(command.c_str()) == 0;
  }
  bool delete_monitor(const char* name) {
    return std::system(fmt::format("DISPLAY={} xrandr --delmonitor {}", display_, name).c_str()) == 0;
  }
  void fill(std::int16_t x, std::int16_t y, std::uint16_t w, std::uint16_t h, std::uint32_t rgb) {
    const xcb_gcontext_t gc = xcb_generate_id(c_);
    xcb_create_gc(c_, gc, root_, XCB_GC_FOREGROUND, &rgb);
    const xcb_rectangle_t r{x, y, w, h};
    xcb_poly_fill_rectangle(c_, root_, gc, 1, &r);
    xcb_free_gc(c_, gc);
    sync();
  }
  std::vector<std::byte> image(std::int16_t x, std::int16_t y, std::uint16_t w, std::uint16_t h) {
    auto* r = xcb_get_image_reply(c_, xcb_get_image(c_, XCB_IMAGE_FORMAT_Z_PIXMAP, root_, x, y, w, h, ~0u),
                                  nullptr);
    auto* d = reinterpret_cast<std::byte*>(xcb_get_image_data(r));
    std::vector<std::byte> out(d, d + xcb_get_image_data_length(r));
    std::free(r);
    return out;
  }
  void warp(std::int16_t x, std::int16_t y) {
    xcb_warp_pointer(c_, XCB_NONE, root_, 0, 0, 0, 0, x, y);
    sync();
  }

 private:
  std::string display_;
  xcb_connection_t* c_;
  xcb_window_t root_;
};

// The runner on a thread of its own, stopped and joined however the test ends (an ASSERT
// returning early must not leave a joinable thread behind).
class Running {
 public:
  explicit Running(MultiOutputRunner& runner) : thread_([this, &runner] { runner.run(stop_); }) {}
  ~Running() {
    stop_ = true;
    thread_.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Two monitors LEFT and RIGHT on a 1280x360 Xvfb, each painted its own way.
class TwoOutputs : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(xvfb_.display().empty()) << xvfb_.error();
    screen_ = std::make_unique<Screen>(xvfb_.display());
    ASSERT_TRUE(screen_->set_monitor("LEFT", 0, 0, kWidth, kHeight));
    ASSERT_TRUE(screen_->set_monitor("RIGHT", kWidth, 0, kWidth, kHeight));
    screen_->fill(0, 0, kWidth, kHeight, 0x203040);
    screen_->fill(kWidth, 0, kWidth, kHeight, 0x405060);
    screen_->fill(100, 50, 40, 30, 0xFF0000);           // a mark on LEFT
    screen_->fill(kWidth + 200, 80, 60, 20, 0x00FF00);  // and one on RIGHT
  }

  OutputSlot slot(const char* output, testing::TestRegion& region) {
    OutputSlot s;
    s.label = output;
    s.region = AgentRegion{region.bytes(), region.fd()};
    const std::string display = xvfb_.display();
    s.open_capture = [display, output]() -> Result<std::unique_ptr<capture::CaptureBackend>> {
      capture::X11Config config;
      config.display = display;
      config.output = output;
      auto backend = std::make_unique<capture::X11Backend>(config);
      if (auto r = backend->start(); !r) return Error{r.error().message};
      return std::unique_ptr<capture::CaptureBackend>(std::move(backend));
    };
    s.guest_info = [](std::string_view name) { return collect_guest_info(name); };
    return s;
  }

  std::vector<std::byte> left() { return screen_->image(0, 0, kWidth, kHeight); }
  std::vector<std::byte> right() { return screen_->image(kWidth, 0, kWidth, kHeight); }

  testing::Xvfb xvfb_{2 * kWidth, kHeight};
  std::unique_ptr<Screen> screen_;
};

TEST_F(TwoOutputs, MonitorsAreFoundByNameOrIndex) {
  auto monitors = capture::list_monitors(screen_->c(), screen_->root());
  ASSERT_TRUE(monitors) << monitors.error().message;
  auto right = capture::pick_monitor(*monitors, "RIGHT", 2 * kWidth, kHeight);
  ASSERT_TRUE(right) << right.error().message;
  EXPECT_EQ(right->rect, (protocol::OutputRect{kWidth, 0, kWidth, kHeight}));
  EXPECT_EQ(right->desktop, (protocol::OutputRect{0, 0, 2 * kWidth, kHeight}));
  auto by_index = capture::pick_monitor(*monitors, std::to_string(right->index), 2 * kWidth, kHeight);
  ASSERT_TRUE(by_index);
  EXPECT_EQ(*by_index, *right);
  auto missing = capture::pick_monitor(*monitors, "HDMI-9", 2 * kWidth, kHeight);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("RIGHT (640x360+640+0)"), std::string::npos)
      << missing.error().message;
}

// A client's set-cursor-position is in output pixels: the backend moves the pointer onto its output.
TEST_F(TwoOutputs, CursorWarpsLandOnTheOutput) {
  capture::X11Config config;
  config.display = xvfb_.display();
  config.output = "RIGHT";
  capture::X11Backend backend(config);
  ASSERT_TRUE(backend.start());
  ASSERT_TRUE(backend.output());
  EXPECT_EQ(backend.output()->name, "RIGHT");
  backend.set_cursor_position(10, 20);
  // The warp travels on the backend's connection: poll ours until the server has done it.
  std::int16_t x = 0, y = 0;
  for (int i = 0; i < 200 && !(x == kWidth + 10 && y == 20); ++i) {
    auto* p = xcb_query_pointer_reply(screen_->c(), xcb_query_pointer(screen_->c(), screen_->root()), nullptr);
    ASSERT_TRUE(p);
    x = p->root_x;
    y = p->root_y;
    std::free(p);
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_EQ(x, kWidth + 10);
  EXPECT_EQ(y, 20);
}

TEST_F(TwoOutputs, EachRegionShowsItsOutputAndOnlyItsChanges) {
  testing::TestRegion region1(16 << 20), region2(16 << 20);
  std::vector<OutputSlot> slots;
  slots.push_back(slot("LEFT", region1));
  slots.push_back(slot("RIGHT", region2));
  MultiOutputRunner runner(std::move(slots), AgentConfig{});
  Running running(runner);
  testing::Reader reader1(region1.bytes());
  testing::Reader reader2(region2.bytes());

  // 1. Each viewer gets its own output, pixel for pixel, and the record saying which it is.
  auto frame1 = reader1.next_frame();
  auto frame2 = reader2.next_frame();
  ASSERT_TRUE(frame1 && frame2) << reader1.session().status().message << " / "
                                << reader2.session().status().message;
  EXPECT_EQ(frame1->info.frame_width, kWidth);
  EXPECT_EQ(frame1->info.frame_height, kHeight);
  EXPECT_EQ(frame1->pixels, left());
  EXPECT_EQ(frame2->pixels, right());
  ASSERT_TRUE(reader2.session().guest().output.has_value());
  const protocol::OutputInfo& out2 = *reader2.session().guest().output;
  EXPECT_EQ(out2.name, "RIGHT");
  EXPECT_EQ(out2.rect, (protocol::OutputRect{kWidth, 0, kWidth, kHeight}));
  EXPECT_EQ(out2.desktop, (protocol::OutputRect{0, 0, 2 * kWidth, kHeight}));
  EXPECT_EQ(reader1.session().guest().output->name, "LEFT");

  // 2. A change on RIGHT: region 2 gets it with damage in its own coordinates; region 1 nothing.
  screen_->fill(kWidth + 300, 200, 50, 40, 0xC0FFEE);
  bool seen = false;
  for (int i = 0; i < 20 && !seen; ++i) {
    frame2 = reader2.next_frame();
    ASSERT_TRUE(frame2);
    ASSERT_EQ(frame2->pixels, right());
    for (const auto& r : frame2->info.damage) seen |= r.x <= 300 && r.y <= 200 && r.x + r.width >= 350;
  }
  EXPECT_TRUE(seen) << "no frame announced damage at the change, in output coordinates";
  EXPECT_FALSE(reader1.next_frame(300ms)) << "a change on RIGHT produced a frame for LEFT";

  // 3. The pointer on RIGHT: its cursor is there (output coordinates) and hidden on LEFT.
  screen_->warp(kWidth + 111, 222);
  EXPECT_TRUE(reader2.next_cursor([&](const protocol::CursorUpdate& c) {
    return c.has_position && c.visible && c.x <= 111 && c.x > 111 - 64 && c.y <= 222 && c.y > 222 - 64;
  }));
  EXPECT_TRUE(
      reader1.next_cursor([](const protocol::CursorUpdate& c) { return c.has_position && !c.visible; }));

  // 4. RIGHT's loop stops: its viewer sees the agent stop while LEFT keeps publishing.
  const std::uint32_t session2 = reader2.session().session_id();
  runner.stop_output(1);
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (reader2.session().status().state != protocol::SessionState::agent_stopped &&
         std::chrono::steady_clock::now() < deadline) {
    reader2.session().poll();
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_EQ(reader2.session().status().state, protocol::SessionState::agent_stopped)
      << reader2.session().status().message;
  screen_->fill(10, 10, 20, 20, 0xFFFFFF);
  frame1 = reader1.next_frame();
  ASSERT_TRUE(frame1);
  EXPECT_EQ(frame1->pixels, left());
  EXPECT_EQ(reader1.session().counters().sessions, 1u) << "LEFT's session was disturbed";

  // 5. RIGHT starts again: a new session with the current picture; LEFT still undisturbed.
  screen_->fill(kWidth + 20, 20, 30, 30, 0x0000FF);
  runner.start_output(1);
  frame2 = reader2.next_frame();
  ASSERT_TRUE(frame2) << reader2.session().status().message;
  EXPECT_NE(reader2.session().session_id(), session2);
  EXPECT_EQ(frame2->pixels, right());
  EXPECT_EQ(runner.runs(1), 2u);
  EXPECT_EQ(runner.runs(0), 1u);
  screen_->fill(30, 30, 20, 20, 0x00FFFF);
  frame1 = reader1.next_frame();
  ASSERT_TRUE(frame1);
  EXPECT_EQ(frame1->pixels, left());
  EXPECT_EQ(reader1.session().counters().sessions, 1u);
}

// The output moves and shrinks in the guest desktop: its region gets a new session whose record
// and frames say so.
TEST_F(TwoOutputs, AMovedOutputComesWithANewSession) {
  testing::TestRegion region(16 << 20);
  std::vector<OutputSlot> slots;
  slots.push_back(slot("RIGHT", region));
  MultiOutputRunner runner(std::move(slots), AgentConfig{});
  Running running(runner);
  testing::Reader reader(region.bytes());
  ASSERT_TRUE(reader.next_frame());
  const std::uint32_t first_session = reader.session().session_id();

  ASSERT_TRUE(screen_->delete_monitor("RIGHT"));
  ASSERT_TRUE(screen_->set_monitor("RIGHT", 960, 0, 320, kHeight));
  bool moved = false;
  for (int i = 0; i < 50 && !moved; ++i) {
    auto frame = reader.next_frame(200ms);
    const auto& output = reader.session().guest().output;
    moved = frame && reader.session().session_id() != first_session && output && output->rect.x == 960 &&
            frame->info.frame_width == 320 && frame->pixels == screen_->image(960, 0, 320, kHeight);
  }
  EXPECT_TRUE(moved) << reader.session().status().message;
}

// An output the server does not have: that output retries quietly, the other one runs.
TEST_F(TwoOutputs, AMissingOutputDoesNotStopTheOther) {
  testing::TestRegion region1(16 << 20), region2(16 << 20);
  std::vector<OutputSlot> slots;
  slots.push_back(slot("LEFT", region1));
  slots.push_back(slot("NOPE", region2));
  MultiOutputRunner runner(std::move(slots), AgentConfig{}, 50ms);
  Running running(runner);
  testing::Reader reader1(region1.bytes());
  auto frame = reader1.next_frame();
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->pixels, left());
  EXPECT_EQ(runner.runs(1), 0u);
  // Once the monitor exists, the retry picks it up.
  ASSERT_TRUE(screen_->set_monitor("NOPE", kWidth, 0, kWidth, kHeight));
  testing::Reader reader2(region2.bytes());
  auto frame2 = reader2.next_frame();
  ASSERT_TRUE(frame2) << reader2.session().status().message;
  EXPECT_EQ(frame2->pixels, right());
}

}  // namespace
}  // namespace kagami::agent
