// Every renderer backend on a real X server (Xvfb + Mesa llvmpipe): frames of every type are
// uploaded through Renderer::upload from a byte buffer standing in for the mapped region, drawn
// into a real window with Renderer::render, and the window is read back with X GetImage and
// compared with the expected pixels. Each test runs for every backend in renderer_backends.h
// (GLES with each of its upload paths; Vulkan joins when it is built).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <tuple>

#include "client/cursor_image.h"
#include "client/frame_geometry.h"
#include "client/layout.h"
#include "client/renderer_factory.h"
#include "frame_builder.h"
#include "renderer_backends.h"
#include "xvfb.h"

namespace kagami::client {
namespace {

using protocol::FrameRotation;
using protocol::FrameType;
using test::build_frame;
using test::BuiltFrame;
using test::RendererBackend;
using test::XImage;

class RendererFixture : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!xvfb_) {
      xvfb_ = new test::Xvfb(800, 600);  // shared by every suite in this binary; ends with the process
      setenv("DISPLAY", xvfb_->display().c_str(), 1);
    }
  }

  virtual const RendererBackend& backend() const = 0;

  void open(int width, int height) {
    WindowSettings s;
    s.width = static_cast<std::uint32_t>(width);
    s.height = static_cast<std::uint32_t>(height);
    s.x = 0;
    s.y = 0;
    s.borderless = true;
    auto choice = test::open_backend(backend(), s);
    ASSERT_TRUE(choice.ok()) << backend().name << ": " << choice.error().message;
    window_ = std::move(choice->window);
    renderer_ = std::move(choice->renderer);
    width_ = width;
    height_ = height;
  }
  void TearDown() override {
    renderer_.reset();
    window_.reset();
  }

  Layout layout(ScaleMode scale = ScaleMode::fit, bool upscale = false,
                FilterMode filter = FilterMode::nearest) {
    const auto g = renderer_->geometry();
    return compute_layout(g.image_width(), g.image_height(), width_, height_, scale, upscale, filter);
  }
  DrawState draw_state(const Layout& l) const {
    DrawState s;
    s.window_width = width_;
    s.window_height = height_;
    s.layout = l;
    return s;
  }
  void present(const Layout& l) { renderer_->render(draw_state(l)); }
  UploadStats upload_from(const BuiltFrame& f, std::span<const std::byte> region, bool full,
                          const WaitReady& ready) {
    const auto v = f.validated();
    return renderer_->upload(FrameSource{v, region, full, ready});
  }
  UploadStats upload(const BuiltFrame& f, bool full = true) {
    return upload_from(f, f.pixels, full, [](std::uint64_t) { return true; });
  }
  // Reads the window until it shows `expected` (row-major, width_ x height_) within tolerance.
  int worst_after_draw(const std::vector<std::uint32_t>& expected, int tolerance) {
    int worst = 0;
    read_until([&](const XImage& image) {
      worst = 0;
      for (int y = 0; y < image.height; ++y) {
        for (int x = 0; x < image.width; ++x) {
          worst =
              std::max(worst, test::channel_distance(image.at(x, y), expected[std::size_t(y) * width_ + x]));
        }
      }
      return worst <= tolerance;
    });
    return worst;
  }
  template <class Pred>
  XImage read_until(Pred pred) {
    return test::read_root_until(xvfb_->display(), 0, 0, width_, height_, pred, 3000);
  }

  static test::Xvfb* xvfb_;
  std::unique_ptr<Window> window_;
  std::unique_ptr<Renderer> renderer_;
  int width_ = 0, height_ = 0;
};
test::Xvfb* RendererFixture::xvfb_ = nullptr;

// One backend per test.
class RendererTest : public RendererFixture, public ::testing::WithParamInterface<RendererBackend> {
 protected:
  const RendererBackend& backend() const override { return GetParam(); }
};

std::string backend_name(const ::testing::TestParamInfo<RendererBackend>& info) { return info.param.name; }

struct TypeCase {
  FrameType type;
  int tolerance;  // 8-bit formats are exact; converted formats round once
};

std::string type_name(FrameType type) {
  static const char* const kNames[] = {"invalid", "bgra", "rgba", "rgba10", "rgba16f", "bgr_32", "rgb_24"};
  return kNames[static_cast<int>(type)];
}

class EveryFrameType : public RendererFixture,
                       public ::testing::WithParamInterface<std::tuple<RendererBackend, TypeCase>> {
 protected:
  const RendererBackend& backend() const override { return std::get<0>(GetParam()); }
  const TypeCase& type_case() const { return std::get<1>(GetParam()); }
};

TEST_P(EveryFrameType, ShowsExactPixelsAtOneToOneNearest) {
  // 202 is not a multiple of 4: BGR_32 rows end mid-texel.
  const BuiltFrame f = build_frame(type_case().type, 202, 120);
  open(202, 120);
  upload(f);
  present(layout());
  EXPECT_LE(worst_after_draw(f.expected, type_case().tolerance), type_case().tolerance);
}

INSTANTIATE_TEST_SUITE_P(
    Types, EveryFrameType,
    ::testing::Combine(::testing::ValuesIn(test::renderer_backends()),
                       ::testing::Values(TypeCase{FrameType::bgra, 0}, TypeCase{FrameType::rgba, 0},
                                         TypeCase{FrameType::rgba10, 0}, TypeCase{FrameType::rgba16f, 2},
                                         TypeCase{FrameType::bgr_32, 0}, TypeCase{FrameType::rgb_24, 0})),
    [](const auto& p) { return std::get<0>(p.param).name + "_" + type_name(std::get<1>(p.param).type); });

// The GLES context on X11 (src/client/gles/gl_context.h): by default a GLX context on the
// renderer's own X connection, with KAGAMI_GL_CONTEXT=sdl SDL's context (the fallback). Each must
// be the one that ran, and show a frame pixel-exact, resize included.
class GlContextKind : public RendererFixture,
                      public ::testing::WithParamInterface<std::pair<std::string, std::string>> {
 protected:
  void SetUp() override {
    if (GetParam().first.empty())
      unsetenv("KAGAMI_GL_CONTEXT");
    else
      setenv("KAGAMI_GL_CONTEXT", GetParam().first.c_str(), 1);
    backend_ = {"gles_direct", RendererKind::gles, "direct", GetParam().second};
  }
  void TearDown() override {
    RendererFixture::TearDown();
    unsetenv("KAGAMI_GL_CONTEXT");
  }
  const RendererBackend& backend() const override { return backend_; }
  RendererBackend backend_;
};

TEST_P(GlContextKind, IsTheOneAskedForAndShowsExactPixels) {
  const BuiltFrame f = build_frame(FrameType::bgra, 202, 120);
  open(202, 120);  // open_backend checks describe() for the context's name
  upload(f);
  present(layout());
  EXPECT_LE(worst_after_draw(f.expected, 0), 0);
  // The drawable size follows the window (asked through the context's own connection).
  SDL_SetWindowSize(window_->sdl(), 160, 100);
  int w = 0, h = 0;
  for (int i = 0; i < 200 && (w != 160 || h != 100); ++i) {
    SDL_PumpEvents();
    SDL_Delay(10);
    renderer_->drawable_size(w, h);
  }
  EXPECT_EQ(w, 160);
  EXPECT_EQ(h, 100);
}

INSTANTIATE_TEST_SUITE_P(
    X11, GlContextKind,
    ::testing::Values(std::pair<std::string, std::string>{"", "GLX on its own X connection"},
                      std::pair<std::string, std::string>{"sdl", "SDL's context (x11)"}),
    [](const auto& p) { return p.param.first.empty() ? std::string("own_glx") : p.param.first; });

TEST_P(RendererTest, HdrPqFrameIsToneMappedNotClipped) {
  // RGBA10 with HDR|HDR_PQ: PQ code 0.58 is ~200 nits (SDR white); 0.75 is ~1000 nits.
  BuiltFrame f = build_frame(FrameType::rgba10, 64, 32);
  for (std::uint32_t y = 0; y < 32; ++y) {
    for (std::uint32_t x = 0; x < 64; ++x) {
      const std::uint32_t code = x < 32 ? 593 : 767;  // 10-bit PQ codes
      const std::uint32_t packed = code | code << 10 | code << 20 | 3u << 30;
      std::memcpy(f.pixels.data() + y * f.description.pitch + x * 4, &packed, 4);
    }
  }
  f.description.flags = protocol::kFrameFlagHdr | protocol::kFrameFlagHdrPq;
  open(64, 32);
  upload(f);
  present(layout());
  const XImage image = read_until([](const XImage& i) { return (i.at(10, 10) & 0xFF) > 0x80; });
  const std::uint32_t white = image.at(10, 10) & 0xFF, bright = image.at(50, 10) & 0xFF;
  EXPECT_GT(white, 0xE0u) << "SDR reference white should be near white";
  EXPECT_GT(bright, white) << "1000 nits should be brighter than reference white after tone mapping";
  EXPECT_LE(bright, 0xFFu);
}

class Rotations : public RendererFixture,
                  public ::testing::WithParamInterface<std::tuple<RendererBackend, FrameRotation>> {
 protected:
  const RendererBackend& backend() const override { return std::get<0>(GetParam()); }
};

TEST_P(Rotations, TurnsTheImageClockwise) {
  const FrameRotation rotation = std::get<1>(GetParam());
  BuiltFrame f = build_frame(FrameType::bgra, 96, 40);
  f.description.rotation = rotation;
  const bool turned = rotation == FrameRotation::r90 || rotation == FrameRotation::r270;
  const int w = turned ? 40 : 96, h = turned ? 96 : 40;
  open(w, h);
  upload(f);
  present(layout());
  // Display pixel (dx, dy) shows frame pixel (fx, fy) for a clockwise rotation.
  std::vector<std::uint32_t> expected(static_cast<std::size_t>(w) * h);
  for (int dy = 0; dy < h; ++dy) {
    for (int dx = 0; dx < w; ++dx) {
      int fx = dx, fy = dy;
      if (rotation == FrameRotation::r90) {
        fx = dy;
        fy = 40 - 1 - dx;
      }
      if (rotation == FrameRotation::r180) {
        fx = 96 - 1 - dx;
        fy = 40 - 1 - dy;
      }
      if (rotation == FrameRotation::r270) {
        fx = 96 - 1 - dy;
        fy = dx;
      }
      expected[std::size_t(dy) * w + dx] = f.expected[std::size_t(fy) * 96 + fx];
    }
  }
  EXPECT_EQ(worst_after_draw(expected, 0), 0);
}

INSTANTIATE_TEST_SUITE_P(All, Rotations,
                         ::testing::Combine(::testing::ValuesIn(test::renderer_backends()),
                                            ::testing::Values(FrameRotation::r0, FrameRotation::r90,
                                                              FrameRotation::r180, FrameRotation::r270)),
                         [](const auto& p) {
                           return std::get<0>(p.param).name + "_r" +
                                  std::to_string(static_cast<int>(std::get<1>(p.param)) * 90);
                         });

TEST_P(RendererTest, UserRotationTurnsOnTopOfTheFrames) {
  // The frame says 180, the user adds 270: 90 clockwise in all.
  BuiltFrame f = build_frame(FrameType::bgra, 96, 40);
  f.description.rotation = FrameRotation::r180;
  open(40, 96);
  upload(f);
  renderer_->set_user_rotation(3);
  EXPECT_EQ(renderer_->geometry().rotation, FrameRotation::r90);
  present(layout());
  std::vector<std::uint32_t> expected(40u * 96u);
  for (int dy = 0; dy < 96; ++dy)
    for (int dx = 0; dx < 40; ++dx)
      expected[std::size_t(dy) * 40 + dx] = f.expected[std::size_t(40 - 1 - dx) * 96 + dy];
  EXPECT_EQ(worst_after_draw(expected, 0), 0);
}

TEST_P(RendererTest, UploadsOnlyTheDamagedRects) {
  const BuiltFrame first = build_frame(FrameType::bgra, 128, 64, 0);
  BuiltFrame second = build_frame(FrameType::bgra, 128, 64, 5);
  open(128, 64);
  upload(first);
  // The second frame's buffer is all new, but only one rect is declared damaged.
  const protocol::FrameDamageRect rect{16, 8, 40, 20};
  second.description.damage = std::span(&rect, 1);
  const UploadStats stats = upload(second, false);
  EXPECT_EQ(stats.bytes, 40u * 20u * 4u);
  present(layout());
  std::vector<std::uint32_t> expected = first.expected;
  for (int y = 8; y < 28; ++y) {
    for (int x = 16; x < 56; ++x)
      expected[std::size_t(y) * 128 + x] = second.expected[std::size_t(y) * 128 + x];
  }
  EXPECT_EQ(worst_after_draw(expected, 0), 0);
}

TEST_P(RendererTest, Bgr32DamageCoversThePackedBytes) {
  const BuiltFrame first = build_frame(FrameType::bgr_32, 150, 40, 0);
  BuiltFrame second = build_frame(FrameType::bgr_32, 150, 40, 9);
  open(150, 40);
  upload(first);
  const protocol::FrameDamageRect rect{33, 5, 7, 9};  // x range not aligned to texels
  second.description.damage = std::span(&rect, 1);
  upload(second, false);
  present(layout());
  std::vector<std::uint32_t> expected = first.expected;
  for (int y = 5; y < 14; ++y) {
    for (int x = 33; x < 40; ++x)
      expected[std::size_t(y) * 150 + x] = second.expected[std::size_t(y) * 150 + x];
  }
  // Pixels next to the rect may share a texel with it and show the new frame's bytes: compare the
  // rect and everything at least one texel away from it.
  int worst = 0;
  read_until([&](const XImage& image) {
    worst = 0;
    for (int y = 0; y < 40; ++y) {
      for (int x = 0; x < 150; ++x) {
        if (y >= 5 && y < 14 && (x == 32 || x == 40 || x == 41)) continue;
        worst = std::max(worst, test::channel_distance(image.at(x, y), expected[std::size_t(y) * 150 + x]));
      }
    }
    return worst == 0;
  });
  EXPECT_EQ(worst, 0);
}

TEST_P(RendererTest, ReadsEachBandOnlyAfterTheWritePointerPassedIt) {
  // The "agent" writes the rows only when the renderer asks for them: a renderer that read
  // ahead of the write pointer would show the filler bytes.
  const BuiltFrame f = build_frame(FrameType::bgra, 320, 1000);  // several bands
  open(320, 600);
  std::vector<std::byte> region(f.pixels.size(), std::byte{0xEE});
  std::uint64_t written = 0;
  std::vector<std::uint64_t> waits;
  const auto v = f.validated();
  upload_from(f, region, true, [&](std::uint64_t bytes) {
    waits.push_back(bytes);
    if (bytes > written) {
      std::memcpy(region.data() + written, f.pixels.data() + written, bytes - written);
      written = bytes;
    }
    return true;
  });
  ASSERT_GT(waits.size(), 2u);
  EXPECT_TRUE(std::is_sorted(waits.begin(), waits.end()));
  EXPECT_EQ(waits.back(), v.data_size);
  // Shown at 1:1 from the top: the first 600 rows.
  present(compute_layout(320, 1000, 320, 600, ScaleMode::fit, false, FilterMode::nearest));
  const auto l = compute_layout(320, 1000, 320, 600, ScaleMode::fit, false, FilterMode::nearest);
  ASSERT_LT(l.dest.height, 1000);  // shrunk to fit: structural check only
  const XImage image = read_until([](const XImage& i) { return i.at(160, 300) != 0; });
  for (int y = 0; y < 600; y += 37) {
    for (int x = l.dest.x + 2; x < l.dest.x + l.dest.width - 2; x += 29) {
      const int fy = static_cast<int>((y - l.dest.y + 0.5) * 1000 / l.dest.height);
      const int fx = static_cast<int>((x - l.dest.x + 0.5) * 320 / l.dest.width);
      ASSERT_NE(image.at(x, y), 0xEEEEEEu)
          << "filler bytes at " << x << "," << y << " (frame " << fx << "," << fy << ")";
    }
  }
}

TEST_P(RendererTest, IntegerScaleNearestRepeatsEachPixel) {
  const BuiltFrame f = build_frame(FrameType::rgba, 60, 40);
  open(200, 130);  // room for 3x
  upload(f);
  const Layout l = layout(ScaleMode::integer, true, FilterMode::automatic);
  ASSERT_EQ(l.dest.width, 180);
  ASSERT_EQ(l.filter, FilterMode::nearest);
  present(l);
  std::vector<std::uint32_t> expected(200u * 130u, 0);
  for (int y = 0; y < 120; ++y) {
    for (int x = 0; x < 180; ++x) {
      expected[std::size_t(y + l.dest.y) * 200 + x + l.dest.x] = f.expected[std::size_t(y / 3) * 60 + x / 3];
    }
  }
  EXPECT_EQ(worst_after_draw(expected, 0), 0);
}

// A frame of vertical stripes, 1 pixel black / 1 pixel white, drawn at half size: the area
// filter averages each pair to mid grey; nearest picks one of the two.
TEST_P(RendererTest, SharpDownscaleAveragesWhereNearestAliases) {
  BuiltFrame f = build_frame(FrameType::bgra, 200, 100);
  for (std::uint32_t y = 0; y < 100; ++y) {
    for (std::uint32_t x = 0; x < 200; ++x) {
      const std::uint8_t c = x % 2 ? 255 : 0;
      const std::uint8_t px[4] = {c, c, c, 255};
      std::memcpy(f.pixels.data() + y * f.description.pitch + x * 4, px, 4);
    }
  }
  open(100, 50);
  upload(f);
  const Layout sharp = layout(ScaleMode::fit, true, FilterMode::sharp);
  ASSERT_EQ(sharp.dest.width, 100);
  present(sharp);
  XImage image = read_until([](const XImage& i) { return (i.at(50, 25) & 0xFF) > 0x40; });
  for (int x = 2; x < 98; x += 7) EXPECT_NEAR(int(image.at(x, 25) & 0xFF), 128, 12) << "x=" << x;

  present(layout(ScaleMode::fit, true, FilterMode::nearest));
  image = read_until([](const XImage& i) {
    const auto v = i.at(50, 25) & 0xFF;
    return v == 0 || v == 255;
  });
  for (int x = 2; x < 98; x += 7) {
    const auto v = image.at(x, 25) & 0xFF;
    EXPECT_TRUE(v == 0 || v == 255) << "x=" << x << " v=" << v;
  }
}

TEST_P(RendererTest, FitKeepsAspectAndCentres) {
  const BuiltFrame f = build_frame(FrameType::bgra, 160, 90);
  open(400, 400);
  upload(f);
  const Layout l = layout(ScaleMode::fit, true, FilterMode::linear);
  EXPECT_EQ(l.dest.width, 400);
  EXPECT_EQ(l.dest.height, 225);
  present(l);
  const XImage image = read_until([&](const XImage& i) { return i.at(200, 200) != 0; });
  // Black bars above and below, the image in between.
  EXPECT_EQ(image.at(200, l.dest.y - 2), 0u);
  EXPECT_EQ(image.at(200, l.dest.y + l.dest.height + 2), 0u);
  EXPECT_NE(image.at(200, l.dest.y + 5), 0u);
  // A pixel in the middle of a frame pixel's 2.5x2.5 block matches it closely.
  const std::uint32_t expected = f.expected[std::size_t(40) * 160 + 80];
  const int x = l.dest.x + static_cast<int>((80 + 0.5) * 2.5),
            y = l.dest.y + static_cast<int>((40 + 0.5) * 2.5);
  EXPECT_LE(test::channel_distance(image.at(x, y), expected), 40);
}

TEST_P(RendererTest, DrawsMonochromeCursorWithAndXorMasks) {
  BuiltFrame f = build_frame(FrameType::bgra, 64, 64);
  for (auto& b : f.pixels) b = std::byte{0x40};  // dark grey background (0x404040)
  open(64, 64);
  upload(f);
  // 8x8 cursor: row 0 black (and 0 xor 0), row 1 white (0,1), row 2 transparent (1,0), row 3 invert (1,1).
  protocol::CursorShape shape;
  shape.type = protocol::CursorType::monochrome;
  shape.width = 8;
  shape.height = 16;
  shape.pitch = 1;
  shape.data.assign(16, 0xFF);  // default: and=1, xor=1 (invert)
  shape.data[0] = 0x00;         // row 0 and
  shape.data[8 + 0] = 0x00;     // row 0 xor -> black
  shape.data[1] = 0x00;         // row 1 and
  shape.data[8 + 1] = 0xFF;     // row 1 xor -> white
  shape.data[2] = 0xFF;         // row 2 and
  shape.data[8 + 2] = 0x00;     // row 2 xor -> transparent
  auto image = make_cursor_image(shape);
  ASSERT_TRUE(image.ok()) << image.error().message;
  const Layout l = layout();
  renderer_->set_cursor(*image);
  DrawState s = draw_state(l);
  s.cursor_visible = true;
  guest_to_window(renderer_->geometry(), l, 20, 30, s.cursor_x, s.cursor_y);
  renderer_->render(s);
  const XImage shot = read_until([](const XImage& i) { return i.at(22, 31) == 0xFFFFFFu; });
  EXPECT_EQ(shot.at(22, 30), 0x000000u);  // black row
  EXPECT_EQ(shot.at(22, 31), 0xFFFFFFu);  // white row
  EXPECT_EQ(shot.at(22, 32), 0x404040u);  // transparent row
  EXPECT_EQ(shot.at(22, 33), 0xBFBFBFu);  // inverted 0x40
  EXPECT_EQ(shot.at(19, 30), 0x404040u);  // left of the cursor
  EXPECT_EQ(shot.at(28, 33), 0x404040u);  // right of the cursor
}

TEST_P(RendererTest, DrawsColorAndMaskedColorCursors) {
  BuiltFrame f = build_frame(FrameType::bgra, 64, 64);
  for (auto& b : f.pixels) b = std::byte{0x40};
  open(64, 64);
  upload(f);
  protocol::CursorShape color;  // 2x1: opaque red, then half-transparent blue
  color.type = protocol::CursorType::color;
  color.width = 2;
  color.height = 1;
  color.pitch = 8;
  color.data = {0, 0, 255, 255, 255, 0, 0, 128};
  protocol::CursorShape masked;  // 2x1: opaque green, then XOR with white
  masked.type = protocol::CursorType::masked_color;
  masked.width = 2;
  masked.height = 1;
  masked.pitch = 8;
  masked.data = {0, 255, 0, 0, 255, 255, 255, 255};

  // One cursor per frame: first the colour shape at (10, 10), then the masked one at (10, 20).
  DrawState s = draw_state(layout());
  s.cursor_visible = true;
  s.cursor_x = 10;
  s.cursor_y = 10;
  renderer_->set_cursor(*make_cursor_image(color));
  renderer_->render(s);
  XImage shot = read_until([](const XImage& i) { return i.at(10, 10) == 0xFF0000u; });
  EXPECT_EQ(shot.at(10, 10), 0xFF0000u);
  EXPECT_LE(test::channel_distance(shot.at(11, 10), 0x2020A0u), 2);  // 0x40 blended with blue at 50%
  s.cursor_y = 20;
  renderer_->set_cursor(*make_cursor_image(masked));
  renderer_->render(s);
  shot = read_until([](const XImage& i) { return i.at(10, 20) == 0x00FF00u; });
  EXPECT_EQ(shot.at(10, 20), 0x00FF00u);
  EXPECT_EQ(shot.at(11, 20), 0xBFBFBFu);
}

INSTANTIATE_TEST_SUITE_P(Backends, RendererTest, ::testing::ValuesIn(test::renderer_backends()),
                         backend_name);

}  // namespace
}  // namespace kagami::client
