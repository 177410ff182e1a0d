// The kagami-agent program serving two outputs: `--output LEFT --shm A --output RIGHT --shm B`
// on a private Xvfb split into two RandR monitors; a viewer on each /dev/shm file sees its output.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <xcb/xcb.h>

#include <cstdlib>

#include "agent_process.h"
#include "reader.h"
#include "xvfb.h"

namespace kagami::agent {
namespace {

std::vector<std::byte> image(const std::string& display, std::int16_t x, std::uint16_t w, std::uint16_t h) {
  xcb_connection_t* c = xcb_connect(display.c_str(), nullptr);
  const xcb_window_t root = xcb_setup_roots_iterator(xcb_get_setup(c)).data->root;
  auto* r =
      xcb_get_image_reply(c, xcb_get_image(c, XCB_IMAGE_FORMAT_Z_PIXMAP, root, x, 0, w, h, ~0u), nullptr);
  auto* d = reinterpret_cast<std::byte*>(xcb_get_image_data(r));
  std::vector<std::byte> out(d, d + xcb_get_image_data_length(r));
  std::free(r);
  xcb_disconnect(c);
  return out;
}

void fill(const std::string& display, std::int16_t x, std::uint16_t w, std::uint16_t h, std::uint32_t rgb) {
  xcb_connection_t* c = xcb_connect(display.c_str(), nullptr);
  const xcb_window_t root = xcb_setup_roots_iterator(xcb_get_setup(c)).data->root;
  const xcb_gcontext_t gc = xcb_generate_id(c);
  xcb_create_gc(c, gc, root, XCB_GC_FOREGROUND, &rgb);
  const xcb_rectangle_t r{x, 0, w, h};
  xcb_poly_fill_rectangle(c, root, gc, 1, &r);
  std::free(xcb_get_input_focus_reply(c, xcb_get_input_focus(c), nullptr));
  xcb_disconnect(c);
}

TEST(MultiOutputCli, OneProcessTwoRegions) {
  testing::Xvfb xvfb(1280, 360);
  ASSERT_FALSE(xvfb.display().empty()) << xvfb.error();
  for (const char* m : {"LEFT 640/160x360/90+0+0", "RIGHT 640/160x360/90+640+0"}) {
    ASSERT_EQ(std::system(fmt::format("DISPLAY={} xrandr --setmonitor {} none", xvfb.display(), m).c_str()),
              0);
  }
  fill(xvfb.display(), 0, 640, 360, 0x336699);
  fill(xvfb.display(), 640, 640, 360, 0x996633);
  testing::ShmFile a(16 << 20, "-left"), b(16 << 20, "-right");
  ASSERT_TRUE(a.ok() && b.ok());
  testing::AgentProcess agent({"--capture", "x11", "--display", xvfb.display(), "--output", "LEFT", "--shm",
                               a.path(), "--output", "RIGHT", "--shm", b.path()},
                              a.path() + ".log");
  testing::Reader left(a.bytes()), right(b.bytes());
  auto frame_left = left.next_frame();
  auto frame_right = right.next_frame();
  ASSERT_TRUE(frame_left && frame_right) << agent.log();
  EXPECT_EQ(frame_left->pixels, image(xvfb.display(), 0, 640, 360));
  EXPECT_EQ(frame_right->pixels, image(xvfb.display(), 640, 640, 360));
  EXPECT_NE(frame_left->pixels, frame_right->pixels);
  ASSERT_TRUE(right.session().guest().output.has_value());
  EXPECT_EQ(right.session().guest().output->name, "RIGHT");
  EXPECT_EQ(right.session().guest().output->rect.x, 640);
  EXPECT_EQ(left.session().guest().output->name, "LEFT");
  EXPECT_EQ(agent.stop(), 0) << agent.log();
  EXPECT_NE(agent.log().find("serving 2 outputs"), std::string::npos) << agent.log();
}

TEST(MultiOutputCli, ARegionBeforeTheFirstOutputIsAUsageError) {
  auto [status, out] = testing::run_agent("--shm /dev/shm/x --output 0 --output 1");
  EXPECT_EQ(status, 2) << out;
  EXPECT_NE(out.find("its own region"), std::string::npos) << out;
}

}  // namespace
}  // namespace kagami::agent
