// The Vulkan renderer in a real window: an SDL_WINDOW_VULKAN window on a private Xvfb, the
// swapchain on its surface (Mesa's X11 WSI on lavapipe here), read back with X GetImage like the
// GLES renderer test. Frame drawing itself is covered offscreen (vulkan_renderer_test.cpp); this
// checks presentation: pixels reach the window, resizes recreate the swapchain, vsync picks FIFO.
#include <SDL2/SDL.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

#include "client/layout.h"
#include "client/vulkan/vulkan_renderer.h"
#include "frame_builder.h"
#include "xvfb.h"

namespace kagami::client {
namespace {

using protocol::FrameRotation;
using protocol::FrameType;
using test::build_frame;
using test::BuiltFrame;
using test::XImage;

class VulkanWindowTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    xvfb_ = new test::Xvfb(800, 600);
    setenv("DISPLAY", xvfb_->display().c_str(), 1);
    setenv("SDL_VIDEODRIVER", "x11", 1);
  }
  static void TearDownTestSuite() {
    delete xvfb_;
    xvfb_ = nullptr;
  }
  void open(int width, int height) {
    ASSERT_EQ(SDL_InitSubSystem(SDL_INIT_VIDEO), 0) << SDL_GetError();
    window_ = SDL_CreateWindow("kagami-vulkan-test", 0, 0, width, height,
                               SDL_WINDOW_VULKAN | SDL_WINDOW_BORDERLESS);
    ASSERT_NE(window_, nullptr) << SDL_GetError();
    VulkanSettings settings;
    settings.window = window_;
    auto r = VulkanRenderer::create(settings);
    ASSERT_TRUE(r.ok()) << r.error().message;
    renderer_ = std::move(*r);
    width_ = width;
    height_ = height;
  }
  void TearDown() override {
    renderer_.reset();
    if (window_) SDL_DestroyWindow(window_);
    SDL_QuitSubSystem(SDL_INIT_VIDEO);
  }
  void upload(const BuiltFrame& f) {
    const auto v = f.validated();
    const WaitReady ready = [](std::uint64_t) { return true; };
    renderer_->upload(FrameSource{v, std::span<const std::byte>(f.pixels), true, ready});
  }
  void render() {
    const auto g = renderer_->geometry();
    DrawState s;
    s.window_width = width_;
    s.window_height = height_;
    s.layout = compute_layout(g.image_width(), g.image_height(), width_, height_, ScaleMode::fit, false,
                              FilterMode::nearest);
    renderer_->render(s);
  }
  // Renders until the window shows `expected` (rows of width_ x height_) or 3 s pass.
  int worst_shown(const std::vector<std::uint32_t>& expected) {
    int worst = 0;
    for (int attempt = 0; attempt < 30; ++attempt) {
      render();
      const XImage image = test::read_root(xvfb_->display(), 0, 0, width_, height_);
      worst = 0;
      for (int y = 0; y < height_; ++y)
        for (int x = 0; x < width_; ++x)
          worst =
              std::max(worst, test::channel_distance(image.at(x, y), expected[std::size_t(y) * width_ + x]));
      if (worst == 0) break;
      SDL_Delay(100);
    }
    return worst;
  }

  static test::Xvfb* xvfb_;
  SDL_Window* window_ = nullptr;
  std::unique_ptr<VulkanRenderer> renderer_;
  int width_ = 0, height_ = 0;
};
test::Xvfb* VulkanWindowTest::xvfb_ = nullptr;

TEST_F(VulkanWindowTest, PresentsTheFramePixelExact) {
  const BuiltFrame f = build_frame(FrameType::bgra, 202, 120);
  open(202, 120);
  upload(f);
  EXPECT_EQ(worst_shown(f.expected), 0);
  // Not vsync: the lowest-latency mode the surface has.
  const std::string d = renderer_->describe();
  EXPECT_TRUE(d.find("present mailbox") != std::string::npos ||
              d.find("present immediate") != std::string::npos || d.find("present fifo") != std::string::npos)
      << d;
}

TEST_F(VulkanWindowTest, PresentsAShaderDrawnFrame) {
  // RGB_24 cannot be blitted: the fragment shader draws it into the swapchain image.
  const BuiltFrame f = build_frame(FrameType::rgb_24, 150, 90);
  open(150, 90);
  upload(f);
  EXPECT_EQ(worst_shown(f.expected), 0);
}

TEST_F(VulkanWindowTest, ResizeRecreatesTheSwapchain) {
  const BuiltFrame f = build_frame(FrameType::bgra, 100, 60);
  open(100, 60);
  upload(f);
  ASSERT_EQ(worst_shown(f.expected), 0);
  // Twice the size: integer 2x with nearest filtering repeats each pixel.
  SDL_SetWindowSize(window_, 200, 120);
  SDL_PumpEvents();
  width_ = 200;
  height_ = 120;
  std::vector<std::uint32_t> expected(200u * 120u);
  for (int y = 0; y < 120; ++y)
    for (int x = 0; x < 200; ++x)
      expected[std::size_t(y) * 200 + x] = f.expected[std::size_t(y / 2) * 100 + x / 2];
  const auto g = renderer_->geometry();
  ASSERT_EQ(
      compute_layout(g.image_width(), g.image_height(), 200, 120, ScaleMode::fit, true, FilterMode::nearest)
          .dest.width,
      200);
  int worst = 0;
  for (int attempt = 0; attempt < 30; ++attempt) {
    DrawState s;
    s.window_width = 200;
    s.window_height = 120;
    s.layout = compute_layout(g.image_width(), g.image_height(), 200, 120, ScaleMode::fit, true,
                              FilterMode::nearest);
    renderer_->render(s);
    const XImage image = test::read_root(xvfb_->display(), 0, 0, 200, 120);
    worst = 0;
    for (int y = 0; y < 120; ++y)
      for (int x = 0; x < 200; ++x)
        worst = std::max(worst, test::channel_distance(image.at(x, y), expected[std::size_t(y) * 200 + x]));
    if (worst == 0) break;
    SDL_Delay(100);
  }
  EXPECT_EQ(worst, 0);
}

TEST_F(VulkanWindowTest, VsyncPresentsInFifoMode) {
  const BuiltFrame f = build_frame(FrameType::bgra, 64, 64);
  open(64, 64);
  upload(f);
  renderer_->set_vsync(true);
  EXPECT_EQ(worst_shown(f.expected), 0);
  EXPECT_NE(renderer_->describe().find("present fifo"), std::string::npos) << renderer_->describe();
}

}  // namespace
}  // namespace kagami::client
