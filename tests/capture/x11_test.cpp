// The x11 backend against a real Xvfb: content drawn with X calls must come out pixel-exact,
// damage must cover every change and little else, the cursor shape and position must follow
// XFixes / the pointer, and a RandR resize must give the new format.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xcb/randr.h>
#include <xcb/xcb.h>
#include <xcb/xfixes.h>

#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "capture/backends.h"
#include "capture/rects.h"
#include "capture/x11/x11_backend.h"
#include "xvfb.h"

namespace kagami::capture {
namespace {

using namespace std::chrono_literals;

// The test's own X connection: draws and reads back with core requests only.
class XClient {
 public:
  explicit XClient(const std::string& display) {
    c_ = xcb_connect(display.c_str(), nullptr);
    screen_ = xcb_setup_roots_iterator(xcb_get_setup(c_)).data;
    root_ = screen_->root;
  }
  ~XClient() { xcb_disconnect(c_); }
  xcb_connection_t* c() const { return c_; }
  xcb_window_t root() const { return root_; }

  void sync() { std::free(xcb_get_input_focus_reply(c_, xcb_get_input_focus(c_), nullptr)); }

  void fill(xcb_drawable_t d, std::int16_t x, std::int16_t y, std::uint16_t w, std::uint16_t h,
            std::uint32_t rgb) {
    const xcb_gcontext_t gc = xcb_generate_id(c_);
    xcb_create_gc(c_, gc, d, XCB_GC_FOREGROUND, &rgb);
    const xcb_rectangle_t r{x, y, w, h};
    xcb_poly_fill_rectangle(c_, d, gc, 1, &r);
    xcb_free_gc(c_, gc);
    sync();
  }

  std::vector<std::byte> root_image(std::uint16_t w, std::uint16_t h) {
    auto* reply = xcb_get_image_reply(
        c_, xcb_get_image(c_, XCB_IMAGE_FORMAT_Z_PIXMAP, root_, 0, 0, w, h, ~0u), nullptr);
    std::vector<std::byte> image(
        reinterpret_cast<std::byte*>(xcb_get_image_data(reply)),
        reinterpret_cast<std::byte*>(xcb_get_image_data(reply)) + xcb_get_image_data_length(reply));
    std::free(reply);
    return image;
  }

 private:
  xcb_connection_t* c_;
  xcb_screen_t* screen_;
  xcb_window_t root_;
};

// Shared memory with an fd, like the region: the frame sits one page in.
class FakeRegion {
 public:
  explicit FakeRegion(std::size_t frame_bytes) : size_(4096 + frame_bytes) {
    fd_ = ::memfd_create("kagami-x11-test", MFD_CLOEXEC);
    EXPECT_EQ(::ftruncate(fd_, static_cast<off_t>(size_)), 0);
    base_ = static_cast<std::byte*>(::mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0));
  }
  ~FakeRegion() {
    ::munmap(base_, size_);
    ::close(fd_);
  }
  FrameTarget target(std::uint32_t pitch, bool with_fd, std::uint64_t* progress = nullptr) {
    FrameTarget t;
    t.pixels = std::span<std::byte>(base_ + 4096, size_ - 4096);
    t.pitch = pitch;
    t.region_fd = with_fd ? fd_ : -1;
    t.region_offset = 4096;
    if (progress) t.progress = [progress](std::uint64_t b) { *progress = b; };
    return t;
  }
  std::vector<std::byte> frame(std::size_t bytes) const { return {base_ + 4096, base_ + 4096 + bytes}; }

 private:
  std::size_t size_;
  int fd_ = -1;
  std::byte* base_ = nullptr;
};

// Captures until `done` says the event is what we wait for (events in between are dropped).
bool capture_until(X11Backend& backend, CaptureEvent* event,
                   const std::function<bool(const CaptureEvent&)>& done,
                   std::chrono::milliseconds limit = 3000ms) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (backend.capture(100ms, event) == CaptureStatus::ok && done(*event)) return true;
  }
  return false;
}

class X11Capture : public ::testing::Test {
 protected:
  static constexpr std::uint32_t kWidth = 640, kHeight = 480;
  void SetUp() override {
    xvfb_ = std::make_unique<testing::Xvfb>(kWidth, kHeight);
    ASSERT_FALSE(xvfb_->display().empty()) << xvfb_->error();
    x_ = std::make_unique<XClient>(xvfb_->display());
  }
  std::unique_ptr<X11Backend> start_backend(X11Config config = {}) {
    config.display = xvfb_->display();
    auto backend = std::make_unique<X11Backend>(config);
    const auto r = backend->start();
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return backend;
  }
  std::unique_ptr<testing::Xvfb> xvfb_;
  std::unique_ptr<XClient> x_;
};

TEST_F(X11Capture, FirstFrameIsFullAndPixelExactThroughTheRegionFd) {
  x_->fill(x_->root(), 10, 20, 200, 100, 0x123456);
  x_->fill(x_->root(), 300, 250, 50, 60, 0xFF8000);
  auto backend = start_backend();
  EXPECT_TRUE(backend->using_shm());
  EXPECT_TRUE(backend->using_damage());
  CaptureEvent event;
  ASSERT_TRUE(capture_until(*backend, &event, [](const CaptureEvent& e) { return e.frame; }));
  EXPECT_TRUE(event.full_damage);
  EXPECT_EQ(event.format.type, protocol::FrameType::bgra);
  EXPECT_EQ(event.format.width, kWidth);
  EXPECT_EQ(event.format.height, kHeight);
  EXPECT_EQ(event.format.pitch, kWidth * 4);

  FakeRegion region(kWidth * kHeight * 4);
  std::uint64_t progress = 0;
  ASSERT_EQ(backend->read_pixels(region.target(kWidth * 4, true, &progress), {}), CaptureStatus::ok);
  EXPECT_EQ(progress, kWidth * kHeight * 4u);
  const auto frame = region.frame(kWidth * kHeight * 4);
  EXPECT_EQ(frame, x_->root_image(kWidth, kHeight));
  // The drawn colour, as BGRA bytes.
  const auto* p = reinterpret_cast<const std::uint8_t*>(&frame[(30 * kWidth + 20) * 4]);
  EXPECT_EQ(p[0], 0x56);
  EXPECT_EQ(p[1], 0x34);
  EXPECT_EQ(p[2], 0x12);
}

TEST_F(X11Capture, DamageCoversEachChangeAndLittleElse) {
  auto backend = start_backend();
  CaptureEvent event;
  ASSERT_TRUE(capture_until(*backend, &event, [](const CaptureEvent& e) { return e.frame; }));
  FakeRegion region(kWidth * kHeight * 4);
  ASSERT_EQ(backend->read_pixels(region.target(kWidth * 4, true), {}), CaptureStatus::ok);

  struct Change {
    Rect rect;
    std::uint32_t colour;
  };
  for (const Change& change : {Change{{100, 120, 30, 20}, 0xFF0000}, Change{{0, 0, 640, 1}, 0x00FF00},
                               Change{{600, 400, 40, 80}, 0x0000FF}}) {
    x_->fill(x_->root(), static_cast<std::int16_t>(change.rect.x), static_cast<std::int16_t>(change.rect.y),
             static_cast<std::uint16_t>(change.rect.width), static_cast<std::uint16_t>(change.rect.height),
             change.colour);
    ASSERT_TRUE(capture_until(*backend, &event, [](const CaptureEvent& e) { return e.frame; }));
    ASSERT_FALSE(event.full_damage);
    std::uint64_t damaged = 0;
    for (const Rect& r : event.damage) damaged += area(r);
    for (std::uint32_t y = change.rect.y; y < change.rect.y + change.rect.height; ++y) {
      for (std::uint32_t x = change.rect.x; x < change.rect.x + change.rect.width; ++x) {
        bool covered = false;
        for (const Rect& r : event.damage)
          covered |= x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height;
        ASSERT_TRUE(covered) << x << "," << y;
      }
    }
    EXPECT_LE(damaged, 2 * area(change.rect)) << "damage should be close to the drawn rect";
    // Copying only the damage brings the old frame up to date.
    ASSERT_EQ(backend->read_pixels(region.target(kWidth * 4, true), event.damage), CaptureStatus::ok);
    EXPECT_EQ(region.frame(kWidth * kHeight * 4), x_->root_image(kWidth, kHeight));
  }
  // Nothing drawn: no frame.
  EXPECT_EQ(backend->capture(100ms, &event), CaptureStatus::timeout);
}

TEST_F(X11Capture, DamageInsideAChildWindowIsSeen) {
  auto backend = start_backend();
  CaptureEvent event;
  ASSERT_TRUE(capture_until(*backend, &event, [](const CaptureEvent& e) { return e.frame; }));
  const xcb_window_t window = xcb_generate_id(x_->c());
  const std::uint32_t background = 0x445566;
  xcb_create_window(x_->c(), XCB_COPY_FROM_PARENT, window, x_->root(), 200, 150, 80, 60, 0,
                    XCB_WINDOW_CLASS_INPUT_OUTPUT, XCB_COPY_FROM_PARENT, XCB_CW_BACK_PIXEL, &background);
  xcb_map_window(x_->c(), window);
  x_->sync();
  ASSERT_TRUE(capture_until(*backend, &event, [](const CaptureEvent& e) { return e.frame; }));
  x_->fill(window, 10, 10, 20, 20, 0xABCDEF);
  std::vector<Rect> all;
  // The map and the fill may come as one or two frames.
  const auto deadline = std::chrono::steady_clock::now() + 2s;
  FakeRegion region(kWidth * kHeight * 4);
  ASSERT_EQ(backend->read_pixels(region.target(kWidth * 4, false), {}), CaptureStatus::ok);
  while (std::chrono::steady_clock::now() < deadline) {
    if (backend->capture(100ms, &event) != CaptureStatus::ok || !event.frame) continue;
    for (const Rect& r : event.damage) all.push_back(r);
    ASSERT_EQ(backend->read_pixels(region.target(kWidth * 4, false), event.damage), CaptureStatus::ok);
    if (region.frame(kWidth * kHeight * 4) == x_->root_image(kWidth, kHeight)) break;
  }
  EXPECT_EQ(region.frame(kWidth * kHeight * 4), x_->root_image(kWidth, kHeight));
  bool covered = false;
  for (const Rect& r : all) covered |= contains(r, Rect{210, 160, 20, 20});
  EXPECT_TRUE(covered);
}

TEST_F(X11Capture, CursorPositionShapeAndWarp) {
  auto backend = start_backend();
  CaptureEvent event;
  // The first capture reports the current cursor with its shape.
  ASSERT_TRUE(
      capture_until(*backend, &event, [](const CaptureEvent& e) { return e.cursor && e.cursor->shape; }));
  const int hx = event.cursor->shape->hotspot_x, hy = event.cursor->shape->hotspot_y;

  // Positions place the shape's top-left corner (KVMFR, as DXGI): the pointer minus the hotspot.
  xcb_warp_pointer(x_->c(), XCB_NONE, x_->root(), 0, 0, 0, 0, 200, 150);
  x_->sync();
  ASSERT_TRUE(capture_until(*backend, &event, [&](const CaptureEvent& e) {
    return e.cursor && e.cursor->has_position && e.cursor->x == 200 - hx && e.cursor->y == 150 - hy;
  }));
  EXPECT_TRUE(event.cursor->visible);

  // A new cursor on the root window (a glyph of the standard cursor font): XFixes announces it.
  const xcb_font_t font = xcb_generate_id(x_->c());
  xcb_open_font(x_->c(), font, 6, "cursor");
  const xcb_cursor_t cursor = xcb_generate_id(x_->c());
  xcb_create_glyph_cursor(x_->c(), cursor, font, font, 58, 59, 0, 0, 0, 0xFFFF, 0xFFFF, 0xFFFF);  // XC_hand1
  xcb_change_window_attributes(x_->c(), x_->root(), XCB_CW_CURSOR, &cursor);
  x_->sync();
  ASSERT_TRUE(
      capture_until(*backend, &event, [](const CaptureEvent& e) { return e.cursor && e.cursor->shape; }));
  const protocol::CursorShape& shape = *event.cursor->shape;

  xcb_xfixes_query_version_reply_t* v =
      xcb_xfixes_query_version_reply(x_->c(), xcb_xfixes_query_version(x_->c(), 5, 0), nullptr);
  std::free(v);
  auto* image = xcb_xfixes_get_cursor_image_reply(x_->c(), xcb_xfixes_get_cursor_image(x_->c()), nullptr);
  ASSERT_NE(image, nullptr);
  EXPECT_EQ(shape.type, protocol::CursorType::color);
  EXPECT_EQ(shape.width, image->width);
  EXPECT_EQ(shape.height, image->height);
  EXPECT_EQ(shape.pitch, image->width * 4u);
  EXPECT_EQ(shape.hotspot_x, image->xhot);
  EXPECT_EQ(shape.hotspot_y, image->yhot);
  // Glyph cursors are fully opaque or fully transparent, so straight = premultiplied here.
  const std::uint32_t* argb = xcb_xfixes_get_cursor_image_cursor_image(image);
  std::size_t opaque = 0;
  for (std::size_t i = 0; i < std::size_t{image->width} * image->height; ++i) {
    std::uint32_t got;
    std::memcpy(&got, &shape.data[i * 4], 4);
    ASSERT_EQ(got, argb[i]) << "pixel " << i;
    opaque += (argb[i] >> 24) != 0;
  }
  EXPECT_GT(opaque, 10u);
  std::free(image);

  // The client asks to move the cursor: the X pointer moves.
  // (Requests of two connections are not ordered: poll until the warp is through.)
  backend->set_cursor_position(50, 60);
  bool moved = false;
  for (int i = 0; i < 100 && !moved; ++i) {
    auto* pointer = xcb_query_pointer_reply(x_->c(), xcb_query_pointer(x_->c(), x_->root()), nullptr);
    ASSERT_NE(pointer, nullptr);
    moved = pointer->root_x == 50 && pointer->root_y == 60;
    std::free(pointer);
    if (!moved) std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(moved);
}

TEST_F(X11Capture, RandrResizeGivesTheNewFormat) {
  auto backend = start_backend();
  CaptureEvent event;
  ASSERT_TRUE(capture_until(*backend, &event, [](const CaptureEvent& e) { return e.frame; }));

  // Xvfb can shrink its screen: switch the CRTC off, then set the screen size.
  auto* resources = xcb_randr_get_screen_resources_current_reply(
      x_->c(), xcb_randr_get_screen_resources_current(x_->c(), x_->root()), nullptr);
  ASSERT_NE(resources, nullptr);
  const xcb_randr_crtc_t* crtcs = xcb_randr_get_screen_resources_current_crtcs(resources);
  for (int i = 0; i < xcb_randr_get_screen_resources_current_crtcs_length(resources); ++i) {
    std::free(xcb_randr_set_crtc_config_reply(
        x_->c(),
        xcb_randr_set_crtc_config(x_->c(), crtcs[i], XCB_CURRENT_TIME, resources->config_timestamp, 0, 0,
                                  XCB_NONE, XCB_RANDR_ROTATION_ROTATE_0, 0, nullptr),
        nullptr));
  }
  std::free(resources);
  xcb_randr_set_screen_size(x_->c(), x_->root(), 400, 300, 100, 75);
  x_->sync();

  ASSERT_TRUE(capture_until(*backend, &event, [](const CaptureEvent& e) {
    return e.frame && e.format.width == 400 && e.format.height == 300;
  }));
  EXPECT_TRUE(event.full_damage);
  EXPECT_EQ(event.format.pitch, 400u * 4);
  x_->fill(x_->root(), 390, 290, 10, 10, 0x00FFFF);
  FakeRegion region(400 * 300 * 4);
  ASSERT_EQ(backend->read_pixels(region.target(400 * 4, true), {}), CaptureStatus::ok);
  EXPECT_EQ(region.frame(400 * 300 * 4), x_->root_image(400, 300));
}

TEST_F(X11Capture, FallbacksWithoutRegionFdAndWithoutShm) {
  x_->fill(x_->root(), 5, 5, 300, 200, 0x808080);
  for (bool use_shm : {true, false}) {
    X11Config config;
    config.use_shm = use_shm;
    auto backend = start_backend(config);
    EXPECT_EQ(backend->using_shm(), use_shm);
    CaptureEvent event;
    ASSERT_TRUE(capture_until(*backend, &event, [](const CaptureEvent& e) { return e.frame; }));
    FakeRegion region(kWidth * kHeight * 4);
    ASSERT_EQ(backend->read_pixels(region.target(kWidth * 4, false), {}), CaptureStatus::ok);
    EXPECT_EQ(region.frame(kWidth * kHeight * 4), x_->root_image(kWidth, kHeight)) << "shm " << use_shm;
  }
}

TEST_F(X11Capture, WithoutXDamageEveryPollIsAFullFrame) {
  X11Config config;
  config.use_damage = false;
  auto backend = start_backend(config);
  EXPECT_FALSE(backend->using_damage());
  CaptureEvent event;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(capture_until(*backend, &event, [](const CaptureEvent& e) { return e.frame; }));
    EXPECT_TRUE(event.full_damage);
  }
  x_->fill(x_->root(), 7, 7, 7, 7, 0x777777);
  ASSERT_TRUE(capture_until(*backend, &event, [](const CaptureEvent& e) { return e.frame; }));
  FakeRegion region(kWidth * kHeight * 4);
  ASSERT_EQ(backend->read_pixels(region.target(kWidth * 4, true), {}), CaptureStatus::ok);
  EXPECT_EQ(region.frame(kWidth * kHeight * 4), x_->root_image(kWidth, kHeight));
}

TEST_F(X11Capture, TruncatedTargetGetsOnlyTheRowsThatFit) {
  auto backend = start_backend();
  CaptureEvent event;
  ASSERT_TRUE(capture_until(*backend, &event, [](const CaptureEvent& e) { return e.frame; }));
  FakeRegion region(kWidth * kHeight * 4);
  FrameTarget target = region.target(kWidth * 4, true);
  target.pixels = target.pixels.first(kWidth * 4 * 100);  // 100 rows fit
  std::memset(region.target(kWidth * 4, false).pixels.data(), 0x5A, kWidth * kHeight * 4);
  ASSERT_EQ(backend->read_pixels(target, {}), CaptureStatus::ok);
  const auto frame = region.frame(kWidth * kHeight * 4);
  const auto screen = x_->root_image(kWidth, kHeight);
  EXPECT_TRUE(std::equal(frame.begin(), frame.begin() + kWidth * 4 * 100, screen.begin()));
  EXPECT_EQ(frame[kWidth * 4 * 100], std::byte{0x5A}) << "row 100 is outside the target";
}

TEST_F(X11Capture, LostServerAsksForReinit) {
  auto backend = start_backend();
  CaptureEvent event;
  ASSERT_TRUE(capture_until(*backend, &event, [](const CaptureEvent& e) { return e.frame; }));
  x_.reset();
  xvfb_->kill();
  CaptureStatus status = CaptureStatus::ok;
  for (int i = 0; i < 20 && status != CaptureStatus::reinit; ++i) status = backend->capture(50ms, &event);
  EXPECT_EQ(status, CaptureStatus::reinit);
}

}  // namespace
}  // namespace kagami::capture

namespace kagami::capture {
namespace {

TEST_F(X11Capture, AutoPicksX11InAnX11Session) {
  ::unsetenv("WAYLAND_DISPLAY");  // an X11 session: only DISPLAY
  BackendOptions options;
  options.display = xvfb_->display();
  auto backend = open_backend("auto", options);
  ASSERT_TRUE(backend) << backend.error().message;
  EXPECT_EQ((*backend)->name(), "x11");
}

}  // namespace
}  // namespace kagami::capture
