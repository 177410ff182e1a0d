// The real kagami-client program against a real KvmfrHost (the agent side of the wire format)
// on a private Xvfb: what the window shows is read back from the X server and compared.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <png.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <thread>

#include "client/layout.h"
#include "e2e_harness.h"
#include "frame_builder.h"
#include "protocol/lgmp_layout.h"
#include "renderer_backends.h"
#include "xvfb.h"

namespace kagami::client {
namespace {

using protocol::FrameType;
using test::build_frame;
using test::BuiltFrame;
using test::ClientProcess;
using test::ShmRegion;
using test::TestAgent;
using test::XImage;

constexpr std::size_t kRegionSize = 32u << 20;

class ClientEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override { xvfb_ = std::make_unique<test::Xvfb>(1024, 768); }
  void TearDown() override { xvfb_.reset(); }

  // Worst channel distance between the window's top-left w x h and `expected`, polling until it
  // is within `tolerance` or the timeout passes.
  int worst_match(int w, int h, const std::vector<std::uint32_t>& expected, int tolerance, int x0 = 0,
                  int y0 = 0, int timeout_ms = 10000) {
    int worst = 255;
    test::read_root_until(
        xvfb_->display(), x0, y0, w, h,
        [&](const XImage& image) {
          worst = 0;
          for (int y = 0; y < h; ++y) {
            for (int x = 0; x < w; ++x) {
              worst =
                  std::max(worst, test::channel_distance(image.at(x, y), expected[std::size_t(y) * w + x]));
            }
          }
          return worst <= tolerance;
        },
        timeout_ms);
    return worst;
  }

  std::unique_ptr<test::Xvfb> xvfb_;
};

std::string type_name(FrameType type) {
  static const char* const kNames[] = {"invalid", "bgra", "rgba", "rgba10", "rgba16f", "bgr_32", "rgb_24"};
  return kNames[static_cast<int>(type)];
}

// The real client on `backend`: its options and its environment (inherited by the child).
std::unique_ptr<ClientProcess> start_backend_client(const test::RendererBackend& backend,
                                                    const std::string& display, const std::string& shm, int w,
                                                    int h) {
  if (backend.gles_upload.empty())
    unsetenv("KAGAMI_GLES_UPLOAD");
  else
    setenv("KAGAMI_GLES_UPLOAD", backend.gles_upload.c_str(), 1);
  auto client = std::make_unique<ClientProcess>(display, shm, w, h, backend.client_args());
  unsetenv("KAGAMI_GLES_UPLOAD");
  return client;
}

// The window title once it contains `text` (or after 3 s): the frame thread logs a status as it
// sees it, and the render thread puts it in the title a moment later.
std::string title_containing(const std::string& display, const std::string& text) {
  std::string title;
  for (int i = 0; i < 150; ++i) {
    title = test::window_title(display);
    if (title.find(text) != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return title;
}

// The log names the backend's upload path, not a fallback.
void expect_backend_ran(const test::RendererBackend& backend, ClientProcess& client) {
  EXPECT_TRUE(client.wait_for_log("renderer: ")) << client.log();
  const std::string log = client.log();
  const std::string line =
      log.substr(log.find("renderer: "), log.find('\n', log.find("renderer: ")) - log.find("renderer: "));
  EXPECT_NE(line.find(backend.expect_in_describe), std::string::npos) << line;
}

// Each renderer backend (renderer_backends.h) x each frame type, through the real client.
class EveryTypeEndToEnd : public ClientEndToEnd,
                          public ::testing::WithParamInterface<std::tuple<test::RendererBackend, FrameType>> {
 protected:
  // The client for this backend, and a check that the log names the backend's upload path, not a
  // fallback.
  std::unique_ptr<ClientProcess> start_client(const std::string& shm, int w, int h) {
    return start_backend_client(std::get<0>(GetParam()), xvfb_->display(), shm, w, h);
  }
  void expect_backend(ClientProcess& client) { expect_backend_ran(std::get<0>(GetParam()), client); }
};

TEST_P(EveryTypeEndToEnd, WindowShowsTheFramePixelExactAtOneToOne) {
  const FrameType type = std::get<1>(GetParam());
  ShmRegion region(kRegionSize);
  TestAgent agent(region.bytes());
  agent.start();
  const BuiltFrame frame = build_frame(type, 202, 120);
  auto client = start_client(region.path(), 202, 120);
  agent.post(frame);
  const int tolerance = type == FrameType::rgba16f ? 2 : 0;
  EXPECT_LE(worst_match(202, 120, frame.expected, tolerance), tolerance) << client->log();
  expect_backend(*client);
  EXPECT_TRUE(client->alive());
}

TEST_P(EveryTypeEndToEnd, DamageOnlyFramesKeepTheRestOfTheImage) {
  // Ten frames, each with one damaged rect over the previous image: a backend that drops a staged
  // frame, reorders them or uploads outside the damage shows a wrong pixel somewhere.
  const FrameType type = std::get<1>(GetParam());
  if (type == FrameType::bgr_32)
    GTEST_SKIP() << "BGR_32 damage rounds to texels (renderer test Bgr32Damage...)";
  ShmRegion region(kRegionSize);
  TestAgent agent(region.bytes());
  agent.start();
  auto client = start_client(region.path(), 160, 100);
  BuiltFrame first = build_frame(type, 160, 100, 0);
  agent.post(first);
  std::vector<std::uint32_t> expected = first.expected;
  const int tolerance = type == FrameType::rgba16f ? 2 : 0;
  ASSERT_LE(worst_match(160, 100, expected, tolerance), tolerance) << client->log();
  for (std::uint32_t i = 1; i <= 10; ++i) {
    const BuiltFrame next = build_frame(type, 160, 100, i);
    const protocol::FrameDamageRect rect{i * 13 % 120, i * 7 % 70, 24, 18};
    agent.post(next, std::span(&rect, 1));
    for (std::uint32_t y = rect.y; y < rect.y + rect.height; ++y)
      for (std::uint32_t x = rect.x; x < rect.x + rect.width; ++x)
        expected[y * 160 + x] = next.expected[y * 160 + x];
  }
  EXPECT_LE(worst_match(160, 100, expected, tolerance), tolerance) << client->log();
}

INSTANTIATE_TEST_SUITE_P(
    Types, EveryTypeEndToEnd,
    ::testing::Combine(::testing::ValuesIn(test::renderer_backends()),
                       ::testing::Values(FrameType::bgra, FrameType::rgba, FrameType::rgba10,
                                         FrameType::rgba16f, FrameType::bgr_32, FrameType::rgb_24)),
    [](const auto& p) { return std::get<0>(p.param).name + "_" + type_name(std::get<1>(p.param)); });

// 16x16 blocks of one colour each: after scaling, each block's centre keeps its colour.
BuiltFrame block_frame(std::uint32_t width, std::uint32_t height, std::uint32_t seed) {
  BuiltFrame f = build_frame(FrameType::bgra, width, height, seed);
  for (std::uint32_t y = 0; y < height; ++y) {
    for (std::uint32_t x = 0; x < width; ++x) {
      const std::uint32_t rgb = test::pattern_pixel(x / 16 * 5, y / 16 * 3, seed);
      const std::uint8_t px[4] = {std::uint8_t(rgb & 255), std::uint8_t(rgb >> 8 & 255),
                                  std::uint8_t(rgb >> 16), 255};
      std::memcpy(f.pixels.data() + std::size_t(y) * f.description.pitch + x * 4, px, 4);
      f.expected[std::size_t(y) * width + x] = rgb;
    }
  }
  return f;
}

TEST_F(ClientEndToEnd, ScaledWindowKeepsTheImageStructure) {
  ShmRegion region(kRegionSize);
  TestAgent agent(region.bytes());
  agent.start();
  const BuiltFrame frame = block_frame(320, 160, 3);
  // 2.5x larger, linear filter, centred with bars: compare each block's centre.
  ClientProcess client(xvfb_->display(), region.path(), 800, 600, {"--upscale", "--filter", "linear"});
  agent.post(frame);
  const Layout l = compute_layout(320, 160, 800, 600, ScaleMode::fit, true, FilterMode::linear);
  ASSERT_EQ(l.dest.width, 800);
  int worst = 255;
  test::read_root_until(
      xvfb_->display(), 0, 0, 800, 600,
      [&](const XImage& image) {
        worst = 0;
        for (std::uint32_t by = 0; by < 10; ++by) {
          for (std::uint32_t bx = 0; bx < 20; ++bx) {
            const int x = l.dest.x + static_cast<int>((bx * 16 + 8) * l.scale);
            const int y = l.dest.y + static_cast<int>((by * 16 + 8) * l.scale);
            worst = std::max(worst, test::channel_distance(
                                        image.at(x, y), frame.expected[(by * 16 + 8) * 320 + bx * 16 + 8]));
          }
        }
        // And the bars above and below are black.
        if (image.at(400, l.dest.y / 2) != 0 || image.at(400, l.dest.y + l.dest.height + 5) != 0) worst = 255;
        return worst <= 2;
      },
      10000);
  EXPECT_LE(worst, 2) << client.log();
}

TEST_F(ClientEndToEnd, CursorIsDrawnWithItsShapeWhereTheAgentSaysAndHiddenWhenHidden) {
  ShmRegion region(kRegionSize);
  TestAgent agent(region.bytes());
  agent.start();
  BuiltFrame frame = build_frame(FrameType::bgra, 200, 150);
  for (auto& b : frame.pixels) b = std::byte{0x40};
  std::fill(frame.expected.begin(), frame.expected.end(), 0x404040u);
  ClientProcess client(xvfb_->display(), region.path(), 200, 150);
  agent.post(frame);
  ASSERT_EQ(worst_match(200, 150, frame.expected, 0), 0) << client.log();

  // A 6x4 colour cursor: red with a blue first column.
  protocol::CursorUpdate update;
  update.has_position = true;
  update.x = 50;
  update.y = 40;
  update.visible = true;
  protocol::CursorShape shape;
  shape.type = protocol::CursorType::color;
  shape.width = 6;
  shape.height = 4;
  shape.pitch = 24;
  for (std::uint32_t y = 0; y < 4; ++y) {
    for (std::uint32_t x = 0; x < 6; ++x) {
      const std::uint8_t bgra[4] = {std::uint8_t(x == 0 ? 255 : 0), 0, std::uint8_t(x == 0 ? 0 : 255), 255};
      shape.data.insert(shape.data.end(), bgra, bgra + 4);
    }
  }
  update.shape = shape;
  agent.post_cursor(update);
  std::vector<std::uint32_t> expected = frame.expected;
  const auto draw_cursor = [&](int cx, int cy) {
    std::vector<std::uint32_t> e = frame.expected;
    for (int y = 0; y < 4; ++y) {
      for (int x = 0; x < 6; ++x) e[std::size_t(cy + y) * 200 + cx + x] = x == 0 ? 0x0000FFu : 0xFF0000u;
    }
    return e;
  };
  EXPECT_EQ(worst_match(200, 150, draw_cursor(50, 40), 0), 0) << client.log();

  protocol::CursorUpdate move;  // position only: the shape stays
  move.has_position = true;
  move.x = 120;
  move.y = 90;
  move.visible = true;
  agent.post_cursor(move);
  EXPECT_EQ(worst_match(200, 150, draw_cursor(120, 90), 0), 0) << client.log();

  protocol::CursorUpdate hide = move;
  hide.visible = false;
  agent.post_cursor(hide);
  EXPECT_EQ(worst_match(200, 150, frame.expected, 0), 0) << client.log();
}

TEST_F(ClientEndToEnd, RecoversFromAgentRestartAndResolutionChange) {
  ShmRegion region(kRegionSize);
  TestAgent agent(region.bytes());
  agent.start();
  const BuiltFrame first = build_frame(FrameType::bgra, 320, 200, 1);
  ClientProcess client(xvfb_->display(), region.path(), 320, 200);
  agent.post(first);
  ASSERT_EQ(worst_match(320, 200, first.expected, 0), 0) << client.log();

  // Resolution change within the session.
  const BuiltFrame smaller = build_frame(FrameType::bgra, 160, 100, 2);
  agent.post(smaller);
  // Centred, 1:1 (no upscale): at (80, 50).
  EXPECT_EQ(worst_match(160, 100, smaller.expected, 0, 80, 50), 0) << client.log();

  // The agent dies (heartbeat stops), then a new agent session starts on the same region.
  agent.stop();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_TRUE(client.alive());
  TestAgent second_agent(region.bytes());
  second_agent.start();
  const BuiltFrame third = build_frame(FrameType::rgba, 320, 200, 3);
  second_agent.post(third);
  EXPECT_EQ(worst_match(320, 200, third.expected, 0), 0) << client.log();
  EXPECT_TRUE(client.alive());
}

TEST_F(ClientEndToEnd, StalledClientThatWasEvictedSubscribesAgainAndCarriesOn) {
  ShmRegion region(kRegionSize);
  TestAgent agent(region.bytes());
  agent.start();
  ClientProcess client(xvfb_->display(), region.path(), 160, 100);
  agent.post(build_frame(FrameType::bgra, 160, 100, 1));
  ASSERT_TRUE(client.wait_for_log("guest image 160x100")) << client.log();
  // Stalled for longer than the queue timeout (1 s) while the agent keeps posting: the agent
  // evicts it (B7's client exits here).
  client.pause();
  for (int i = 0; i < 20; ++i) {
    agent.post(build_frame(FrameType::bgra, 160, 100, 2));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  client.resume();
  const BuiltFrame after = build_frame(FrameType::rgba, 160, 100, 3);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  agent.post(after);
  EXPECT_EQ(worst_match(160, 100, after.expected, 0), 0) << client.log();
  EXPECT_TRUE(client.alive());
  EXPECT_NE(client.log().find("subscribed again"), std::string::npos) << client.log();
}

TEST_F(ClientEndToEnd, WindowFollowsTheGuestResolutionOnRequest) {
  ShmRegion region(kRegionSize);
  TestAgent agent(region.bytes());
  agent.start();
  ClientProcess client(xvfb_->display(), region.path(), 640, 480, {"--follow-guest-size"});
  const BuiltFrame frame = build_frame(FrameType::bgra, 300, 180, 4);
  agent.post(frame);
  // The window is now 300x180: the frame at 0,0 and the root's black (Xvfb default) around it
  // cannot be told from bars, so check the window shows the frame 1:1 at the origin, which only
  // happens at that size (a 640x480 window would centre it at 170,150).
  EXPECT_EQ(worst_match(300, 180, frame.expected, 0), 0) << client.log();
}

void write_at(std::span<std::byte> region, std::size_t offset, std::uint32_t value) {
  if (offset + 4 <= region.size()) std::memcpy(region.data() + offset, &value, 4);
}

TEST_F(ClientEndToEnd, HostileRegionNeverCrashesTheClientAndAValidAgentRecovers) {
  ShmRegion region(kRegionSize);
  const BuiltFrame valid = build_frame(FrameType::bgra, 256, 160, 5);
  auto agent = std::make_unique<TestAgent>(region.bytes());
  agent->start();
  ClientProcess client(xvfb_->display(), region.path(), 256, 160);
  agent->post(valid);
  ASSERT_EQ(worst_match(256, 160, valid.expected, 0), 0) << client.log();

  const std::size_t log_before = client.log().size();
  std::mt19937_64 rng(12345);
  const auto region_bytes = region.bytes();
  // Phase 1: the agent keeps posting while its frame headers are overwritten with hostile values
  // (sizes, pitch, offset, damage count and rects, type) as the client reads them.
  {
    std::atomic<bool> stop{false};
    const std::size_t headers[2] = {agent->frame_header_offset(0), agent->frame_header_offset(1)};
    std::thread corrupter([&] {
      std::mt19937_64 local(678);
      const std::uint32_t hostile[] = {0u, 1u, 3u, 7u, 0xFFFFFFFFu, 0x80000000u, 16384u, 16385u, 4092u, 65u};
      while (!stop) {
        // Any of the 14 u32 fields before the damage rects, one of the rects, or the flags.
        const std::size_t field = local() % 30;
        const std::uint32_t value =
            local() % 3 == 0 ? static_cast<std::uint32_t>(local()) : hostile[local() % 10];
        write_at(region_bytes, headers[local() % 2] + field * 4, value);
        std::this_thread::yield();
      }
    });
    const BuiltFrame frames[2] = {build_frame(FrameType::bgra, 256, 160, 1),
                                  build_frame(FrameType::rgba, 200, 100, 2)};
    const auto phase_end = std::chrono::steady_clock::now() + std::chrono::milliseconds(1500);
    for (int i = 0; std::chrono::steady_clock::now() < phase_end; ++i) {
      try {
        agent->post(frames[i % 2]);
      } catch (const std::exception&) {
        // the corrupter may have hit the agent's own bookkeeping: the client is what is tested
      }
      ASSERT_TRUE(client.alive()) << client.log();
    }
    stop = true;
    corrupter.join();
  }
  agent->stop();
  agent.reset();

  // Phase 2: nothing but random bytes, rewritten continuously for two seconds.
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (std::chrono::steady_clock::now() < until) {
    for (std::size_t i = 0; i + 8 <= region_bytes.size(); i += 8) {
      const std::uint64_t r = rng();
      std::memcpy(region_bytes.data() + i, &r, 8);
    }
    ASSERT_TRUE(client.alive()) << client.log();
  }
  EXPECT_TRUE(client.alive());
  // The user is told: the status line changed away from "connected" (logged and on screen).
  const std::string log = client.log().substr(log_before);
  EXPECT_TRUE(log.find("[warning]") != std::string::npos || log.find("status:") != std::string::npos) << log;

  // Phase 3: a valid agent returns on the same region.
  std::memset(region_bytes.data(), 0, region_bytes.size());
  TestAgent fresh(region.bytes());
  fresh.start();
  const BuiltFrame after = build_frame(FrameType::rgba, 256, 160, 77);
  fresh.post(after);
  EXPECT_EQ(worst_match(256, 160, after.expected, 0, 0, 0, 15000), 0) << client.log();
  EXPECT_TRUE(client.alive());
}

TEST_F(ClientEndToEnd, StatusSaysWhatTheClientIsWaitingFor) {
  const std::string path = "/dev/shm/kagami-test-status-" + std::to_string(getpid());
  ClientProcess client(xvfb_->display(), path, 400, 200);
  ASSERT_TRUE(client.wait_for_log("no region at " + path)) << client.log();
  EXPECT_NE(title_containing(xvfb_->display(), "no region at").find("no region at"), std::string::npos);

  // Too small.
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(ftruncate(fd, 64 * 1024), 0);
  EXPECT_TRUE(client.wait_for_log("region too small")) << client.log();

  // Big enough, but nobody wrote an LGMP header yet.
  ASSERT_EQ(ftruncate(fd, static_cast<off_t>(kRegionSize)), 0);
  close(fd);
  EXPECT_TRUE(client.wait_for_log("waiting for kagami-agent or a Looking Glass host in the guest"))
      << client.log();

  {
    // An agent speaking another KVMFR version: patch the version after the magic in the user data.
    fd = open(path.c_str(), O_RDWR);
    void* p = mmap(nullptr, kRegionSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    ASSERT_NE(p, MAP_FAILED);
    std::span<std::byte> bytes(static_cast<std::byte*>(p), kRegionSize);
    TestAgent agent(bytes);
    agent.start();
    EXPECT_TRUE(client.wait_for_log("status:")) << client.log();
    agent.stop();
    const auto* begin = reinterpret_cast<const char*>(bytes.data());
    const auto* magic = std::search(begin, begin + 65536, protocol::kKvmfrMagic, protocol::kKvmfrMagic + 8);
    ASSERT_NE(magic, begin + 65536);
    const std::size_t at = static_cast<std::size_t>(magic - begin) + 8;
    const std::uint32_t old_version = 19;
    std::memcpy(bytes.data() + at, &old_version, 4);
    // An old agent's new session and heartbeat on that user data (our own agent repairs the patched
    // version within one tick, so it cannot stand in for a B6 host; the new session ID makes a
    // client that had joined the previous one read the user data again).
    auto& header = *reinterpret_cast<protocol::LgmpHeader*>(bytes.data());
    std::atomic_ref<std::uint32_t>(header.session_id).fetch_add(1);
    std::atomic<bool> beating{true};
    std::thread heartbeat([&] {
      while (beating.load()) {
        std::atomic_ref<std::uint64_t>(header.timestamp).fetch_add(10);
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    });
    EXPECT_TRUE(client.wait_for_log("KVMFR 19")) << client.log();
    beating = false;
    heartbeat.join();

    // A valid agent, then it stops: the client says so and keeps waiting.
    TestAgent valid(bytes);
    valid.start();
    valid.post(build_frame(FrameType::bgra, 64, 64));
    EXPECT_TRUE(client.wait_for_log("guest image 64x64")) << client.log();
    valid.stop();
    EXPECT_TRUE(client.wait_for_log("stopped")) << client.log();
    EXPECT_TRUE(client.alive());
    munmap(p, kRegionSize);
  }
  unlink(path.c_str());
}

int xdotool(const std::string& display, const std::string& args) {
  return std::system(("DISPLAY=" + display + " xdotool " + args + " >/dev/null 2>&1").c_str());
}

// Reads an 8-bit RGB PNG back into 0x00RRGGBB pixels.
std::vector<std::uint32_t> read_png_rgb(const std::string& path, std::uint32_t& width,
                                        std::uint32_t& height) {
  std::vector<std::uint32_t> pixels;
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&image, path.c_str())) return pixels;
  image.format = PNG_FORMAT_RGB;
  std::vector<std::uint8_t> rgb(PNG_IMAGE_SIZE(image));
  if (!png_image_finish_read(&image, nullptr, rgb.data(), 0, nullptr)) return pixels;
  width = image.width;
  height = image.height;
  for (std::size_t i = 0; i + 2 < rgb.size(); i += 3) {
    pixels.push_back(std::uint32_t{rgb[i]} << 16 | std::uint32_t{rgb[i + 1]} << 8 | rgb[i + 2]);
  }
  return pixels;
}

TEST_F(ClientEndToEnd, EscapeKeyShowsHelpTakesAPngScreenshotAndSurvivesAnIgnoredFullScreen) {
  ASSERT_EQ(std::system("command -v xdotool >/dev/null"), 0) << "xdotool is needed (scripts/deps/x11.txt)";
  ShmRegion region(kRegionSize);
  TestAgent agent(region.bytes());
  agent.start();
  const BuiltFrame frame = build_frame(FrameType::bgra, 480, 320, 6);
  const std::filesystem::path shots =
      std::filesystem::temp_directory_path() / ("kagami-shots-" + std::to_string(getpid()));
  std::filesystem::create_directories(shots);
  ClientProcess client(xvfb_->display(), region.path(), 480, 320, {"--screenshot-dir", shots.string()});
  agent.post(frame);
  ASSERT_EQ(worst_match(480, 320, frame.expected, 0), 0) << client.log();

  // Holding the escape key (Scroll Lock, by scancode) shows the key bindings over the image.
  ASSERT_EQ(xdotool(xvfb_->display(), "mousemove 100 100 keydown Scroll_Lock"), 0);
  int changed = 0;
  test::read_root_until(xvfb_->display(), 0, 0, 480, 320, [&](const XImage& image) {
    changed = 0;
    for (std::size_t i = 0; i < image.pixels.size(); ++i) changed += image.pixels[i] != frame.expected[i];
    return changed > 1000;
  });
  EXPECT_GT(changed, 1000) << "the help overlay did not appear\n" << client.log();

  // Escape + S: a screenshot of the guest image (not of the overlay) at its own resolution.
  ASSERT_EQ(xdotool(xvfb_->display(), "key s keyup Scroll_Lock"), 0);
  ASSERT_TRUE(client.wait_for_log("screenshot: ")) << client.log();
  std::string png;
  for (const auto& entry : std::filesystem::directory_iterator(shots)) png = entry.path().string();
  ASSERT_FALSE(png.empty());
  std::uint32_t w = 0, h = 0;
  const auto pixels = read_png_rgb(png, w, h);
  EXPECT_EQ(w, 480u);
  EXPECT_EQ(h, 320u);
  EXPECT_EQ(pixels, frame.expected);
  // The help goes away with the key.
  EXPECT_EQ(worst_match(480, 320, frame.expected, 0), 0) << client.log();
  std::filesystem::remove_all(shots);

  // Escape + F asks for full screen. Xvfb has no window manager to grant it, so the window keeps
  // its size while SDL believes otherwise: the client must draw for the GL surface's real size,
  // not SDL's idea of it (the image stays whole at the origin rather than off-centre and cut).
  ASSERT_EQ(xdotool(xvfb_->display(), "keydown Scroll_Lock key f keyup Scroll_Lock"), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(worst_match(480, 320, frame.expected, 0), 0) << client.log();
}

TEST_F(ClientEndToEnd, HoldingTheEscapeKeyForTheHelpDoesNotCaptureAndATapSaysWhyNotWithoutSpice) {
  ASSERT_EQ(std::system("command -v xdotool >/dev/null"), 0) << "xdotool is needed (scripts/deps/x11.txt)";
  ShmRegion region(kRegionSize);
  ClientProcess client(xvfb_->display(), region.path(), 320, 200);
  ASSERT_TRUE(client.wait_for_log("status: ")) << client.log();
  // Held long enough to read the help, then let go: no capture, not even an attempt.
  ASSERT_EQ(xdotool(xvfb_->display(), "mousemove 100 100 keydown Scroll_Lock sleep 0.8 keyup Scroll_Lock"),
            0);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(client.log().find("captur"), std::string::npos) << client.log();
  // A tap with --no-spice: nothing would reach the guest, so the client says so instead of
  // grabbing the pointer and keyboard.
  ASSERT_EQ(xdotool(xvfb_->display(), "key Scroll_Lock"), 0);
  EXPECT_TRUE(client.wait_for_log("not capturing: view-only: SPICE is off")) << client.log();
  EXPECT_EQ(client.log().find("captured mouse"), std::string::npos) << client.log();
}

// The client commands that go through the renderer and the frame thread, on each backend.
class EveryBackendEndToEnd : public ClientEndToEnd,
                             public ::testing::WithParamInterface<test::RendererBackend> {};

// Rotation is Renderer::set_user_rotation; video off is FrameIntake::set_hidden, after which the
// first frame must be uploaded whole whatever its damage says.
TEST_P(EveryBackendEndToEnd, EscapeRRotatesClockwiseAndEscapeVStopsShowingNewFrames) {
  ASSERT_EQ(std::system("command -v xdotool >/dev/null"), 0) << "xdotool is needed (scripts/deps/x11.txt)";
  ShmRegion region(kRegionSize);
  TestAgent agent(region.bytes());
  agent.start();
  constexpr int kN = 160;  // square: a quarter turn fills the same window at 1:1
  // Compared rows: the notices ("rotation 90 degrees"), wrapped to the narrow window, cover the bottom.
  constexpr int kTop = 48;
  const BuiltFrame frame = build_frame(FrameType::bgra, kN, kN, 3);
  auto started = start_backend_client(GetParam(), xvfb_->display(), region.path(), kN, kN);
  ClientProcess& client = *started;
  agent.post(frame);
  ASSERT_EQ(worst_match(kN, kN, frame.expected, 0), 0) << client.log();

  // Clockwise: the left column, read bottom to top, becomes the top row.
  std::vector<std::uint32_t> turned(frame.expected.size());
  for (int y = 0; y < kN; ++y) {
    for (int x = 0; x < kN; ++x)
      turned[std::size_t(y) * kN + x] = frame.expected[std::size_t(kN - 1 - x) * kN + y];
  }
  ASSERT_EQ(xdotool(xvfb_->display(), "mousemove 50 50 keydown Scroll_Lock key r keyup Scroll_Lock"), 0);
  EXPECT_EQ(worst_match(kN, kTop, turned, 0), 0) << client.log();
  ASSERT_EQ(xdotool(xvfb_->display(), "keydown Scroll_Lock key r key r key r keyup Scroll_Lock"), 0);
  EXPECT_EQ(worst_match(kN, kTop, frame.expected, 0), 0) << "four quarter turns\n" << client.log();

  // Video off: a new frame is taken (the agent is not stalled) but not shown; on again: shown.
  ASSERT_EQ(xdotool(xvfb_->display(), "keydown Scroll_Lock key v keyup Scroll_Lock"), 0);
  ASSERT_TRUE(client.wait_for_log("video off")) << client.log();
  const BuiltFrame second = build_frame(FrameType::bgra, kN, kN, 9);
  agent.post(second);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(worst_match(kN, kTop, frame.expected, 0, 0, 0, 500), 0) << client.log();
  ASSERT_EQ(xdotool(xvfb_->display(), "keydown Scroll_Lock key v keyup Scroll_Lock"), 0);
  ASSERT_TRUE(client.wait_for_log("video on")) << client.log();
  // A frame that says only one small rect changed: the client missed `second`, so it uploads all
  // of it (an upload of the damage alone would leave `frame` around the rect).
  const BuiltFrame third = build_frame(FrameType::bgra, kN, kN, 11);
  const protocol::FrameDamageRect rect{8, 8, 16, 16};
  agent.post(third, std::span(&rect, 1));
  EXPECT_EQ(worst_match(kN, kTop, third.expected, 0), 0) << client.log();
  expect_backend_ran(GetParam(), client);
}

// Each frame is drawn once (issue 12: the draw thread). The GLES direct path commits and draws a
// frame while its upload() waits; the frame count that moves after it must not cause a second,
// identical blit + swap (Renderer::frame_pending). Read from the client's per-second debug line
// "last second: F frames, D draws" (counts, not timings).
TEST_P(EveryBackendEndToEnd, EachFrameIsDrawnOnce) {
  ShmRegion region(kRegionSize);
  TestAgent agent(region.bytes());
  agent.start();
  constexpr int kN = 64;
  auto started = start_backend_client(GetParam(), xvfb_->display(), region.path(), kN, kN);
  ClientProcess& client = *started;
  const BuiltFrame frame = build_frame(FrameType::bgra, kN, kN, 3);
  agent.post(frame);
  ASSERT_EQ(worst_match(kN, kN, frame.expected, 0), 0) << client.log();
  // ~3 s of frames at ~50 fps. The first per-second line with frames also holds the draws of the
  // start: after the window is exposed the client keeps drawing for 300 ms (RedrawPolicy::
  // keep_drawing_until), so only the lines after it count.
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(3000);
  while (std::chrono::steady_clock::now() < until) {
    agent.wait_for_slot();
    agent.post(frame);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const std::string log = client.log();
  static const std::regex line(R"(last second: (\d+) frames, (\d+) draws)");
  int busy_seconds = 0;
  for (auto it = std::sregex_iterator(log.begin(), log.end(), line); it != std::sregex_iterator(); ++it) {
    const int frames = std::stoi((*it)[1]), draws = std::stoi((*it)[2]);
    if (frames < 20) continue;          // the start or the tail
    if (++busy_seconds == 1) continue;  // with the start's draws
    EXPECT_LE(draws, frames + 2) << (*it)[0] << "\n" << log;
  }
  EXPECT_GE(busy_seconds, 2) << log;
  expect_backend_ran(GetParam(), client);
}

INSTANTIATE_TEST_SUITE_P(Backends, EveryBackendEndToEnd, ::testing::ValuesIn(test::renderer_backends()),
                         [](const auto& p) { return p.param.name; });

TEST_F(ClientEndToEnd, RotateOptionTurnsTheImageFromTheStart) {
  ShmRegion region(kRegionSize);
  TestAgent agent(region.bytes());
  agent.start();
  constexpr int kN = 96;
  const BuiltFrame frame = build_frame(FrameType::bgra, kN, kN, 5);
  ClientProcess client(xvfb_->display(), region.path(), kN, kN, {"--rotate", "180"});
  agent.post(frame);
  std::vector<std::uint32_t> half(frame.expected.rbegin(), frame.expected.rend());
  EXPECT_EQ(worst_match(kN, kN, half, 0), 0) << client.log();
}

TEST_F(ClientEndToEnd, StretchFillsTheWindowIgnoringTheAspect) {
  ShmRegion region(kRegionSize);
  TestAgent agent(region.bytes());
  agent.start();
  const BuiltFrame frame = build_frame(FrameType::bgra, 100, 50, 4);
  ClientProcess client(xvfb_->display(), region.path(), 200, 200, {"--scale", "stretch", "--upscale"});
  agent.post(frame);
  std::vector<std::uint32_t> expected(200 * 200);  // x twice, y four times (nearest)
  for (int y = 0; y < 200; ++y) {
    for (int x = 0; x < 200; ++x)
      expected[std::size_t(y) * 200 + x] = frame.expected[std::size_t(y / 4) * 100 + x / 2];
  }
  EXPECT_EQ(worst_match(200, 200, expected, 0), 0) << client.log();
}

// Pixels of the window's outermost 2-pixel frame that are not black (the cleared background): an
// overlay that does not fit the window reaches its edge and is cut off there.
int lit_edge_pixels(const XImage& image) {
  int lit = 0;
  for (int y = 0; y < image.height; ++y) {
    for (int x = 0; x < image.width; ++x) {
      const bool edge = x < 2 || y < 2 || x >= image.width - 2 || y >= image.height - 2;
      if (edge && (image.at(x, y) & 0xFFFFFF) != 0) ++lit;
    }
  }
  return lit;
}

int lit_pixels(const XImage& image) {
  return static_cast<int>(std::count_if(image.pixels.begin(), image.pixels.end(),
                                        [](std::uint32_t p) { return (p & 0xFFFFFF) != 0; }));
}

TEST_F(ClientEndToEnd, StatusAndHelpFitA640x360Window) {
  ASSERT_EQ(std::system("command -v xdotool >/dev/null"), 0) << "xdotool is needed (scripts/deps/x11.txt)";
  // A long path makes the longest status line there is ("no region at PATH: PATH does not exist: ...").
  const std::string path =
      "/dev/shm/kagami-test-a-rather-long-region-name-for-wrapping-" + std::to_string(getpid());
  ClientProcess client(xvfb_->display(), path, 640, 360);
  ASSERT_TRUE(client.wait_for_log("no region at " + path)) << client.log();
  XImage status = test::read_root_until(xvfb_->display(), 0, 0, 640, 360,
                                        [](const XImage& image) { return lit_pixels(image) > 2000; });
  EXPECT_GT(lit_pixels(status), 2000) << "the status screen did not appear";
  EXPECT_EQ(lit_edge_pixels(status), 0) << "the status reaches the window's edge: cut off";

  // Held escape key: the help over the status, both inside the window.
  ASSERT_EQ(xdotool(xvfb_->display(), "mousemove 100 100 keydown Scroll_Lock"), 0);
  const int before = lit_pixels(status);
  XImage help = test::read_root_until(xvfb_->display(), 0, 0, 640, 360, [&](const XImage& image) {
    return lit_pixels(image) > before + 20000;
  });
  ASSERT_EQ(xdotool(xvfb_->display(), "keyup Scroll_Lock"), 0);
  EXPECT_GT(lit_pixels(help), before + 20000) << "the help overlay did not appear";
  EXPECT_EQ(lit_edge_pixels(help), 0) << "the help reaches the window's edge: cut off";
}

TEST_F(ClientEndToEnd, EscapeOHidesEveryOverlayAndBringsThemBack) {
  ASSERT_EQ(std::system("command -v xdotool >/dev/null"), 0) << "xdotool is needed (scripts/deps/x11.txt)";
  const std::string path = "/dev/shm/kagami-test-overlays-" + std::to_string(getpid());
  ClientProcess client(xvfb_->display(), path, 320, 200);
  ASSERT_TRUE(client.wait_for_log("no region at " + path)) << client.log();
  const auto shows_status = [](const XImage& image) { return lit_pixels(image) > 1000; };
  EXPECT_TRUE(shows_status(test::read_root_until(xvfb_->display(), 0, 0, 320, 200, shows_status)));
  ASSERT_EQ(xdotool(xvfb_->display(), "mousemove 100 100 keydown Scroll_Lock key o keyup Scroll_Lock"), 0);
  ASSERT_TRUE(client.wait_for_log("overlays off")) << client.log();
  const auto black = [](const XImage& image) { return lit_pixels(image) == 0; };
  EXPECT_TRUE(black(test::read_root_until(xvfb_->display(), 0, 0, 320, 200, black)))
      << "something is still drawn over the (empty) window";
  ASSERT_EQ(xdotool(xvfb_->display(), "keydown Scroll_Lock key o keyup Scroll_Lock"), 0);
  EXPECT_TRUE(shows_status(test::read_root_until(xvfb_->display(), 0, 0, 320, 200, shows_status)));
}

TEST_F(ClientEndToEnd, TitleDropsTheGuestSizeWhenTheAgentStops) {
  ShmRegion region(kRegionSize);
  TestAgent agent(region.bytes());
  agent.start();
  ClientProcess client(xvfb_->display(), region.path(), 202, 120);
  agent.post(build_frame(FrameType::bgra, 202, 120));
  ASSERT_TRUE(client.wait_for_log("guest image 202x120")) << client.log();
  EXPECT_NE(title_containing(xvfb_->display(), "202x120").find("202x120"), std::string::npos);
  agent.stop();
  ASSERT_TRUE(client.wait_for_log("status: the agent stopped", 5000)) << client.log();
  const std::string title = title_containing(xvfb_->display(), "stopped");
  EXPECT_EQ(title.find("202x120"), std::string::npos) << title;
  EXPECT_NE(title.find("stopped"), std::string::npos) << title;
}

TEST_F(ClientEndToEnd, AnAbsentSpiceServerIsLoggedOnceNotEverySecond) {
  ShmRegion region(kRegionSize);
  // Port 1 on loopback: nothing listens there, every attempt fails at once.
  ClientProcess client(xvfb_->display(), region.path(), 160, 100,
                       {"--spice", "--spice-uri", "spice://127.0.0.1:1"});
  ASSERT_TRUE(client.wait_for_log("cannot connect to the SPICE server")) << client.log();
  std::this_thread::sleep_for(std::chrono::milliseconds(3500));  // three more attempts
  const std::string log = client.log();
  int lines = 0;
  for (std::size_t at = 0; (at = log.find("[info] spice: cannot connect", at)) != std::string::npos; ++at)
    ++lines;
  EXPECT_EQ(lines, 1) << log;
  EXPECT_NE(log.find("[debug] spice: cannot connect"), std::string::npos) << "the later attempts stopped?\n"
                                                                          << log;
}

TEST_F(ClientEndToEnd, EveryVblankModeShowsFramesToo) {
  ShmRegion region(kRegionSize);
  TestAgent agent(region.bytes());
  agent.start();
  ClientProcess client(xvfb_->display(), region.path(), 160, 100, {"--present", "every-vblank"});
  const BuiltFrame first = build_frame(FrameType::bgra, 160, 100, 1);
  agent.post(first);
  EXPECT_EQ(worst_match(160, 100, first.expected, 0), 0) << client.log();
  const BuiltFrame second = build_frame(FrameType::bgra, 160, 100, 2);
  agent.post(second);
  EXPECT_EQ(worst_match(160, 100, second.expected, 0), 0) << client.log();
}

TEST_F(ClientEndToEnd, TruncatedFrameShowsTheRowsItHasAndSaysTheRegionIsTooSmall) {
  ShmRegion region(kRegionSize);
  TestAgent agent(region.bytes());
  agent.start();
  // Tall enough that the warning banner (at the bottom, wrapped to the window's width) leaves the
  // centred image uncovered.
  ClientProcess client(xvfb_->display(), region.path(), 400, 700);
  // The agent could only fit 70 of 120 rows (FRAME_FLAG_TRUNCATED): the rest must be black.
  BuiltFrame frame = build_frame(FrameType::bgra, 200, 120, 8);
  frame.description.data_height = 70;
  frame.description.flags = protocol::kFrameFlagTruncated;
  frame.pixels.resize(std::size_t{70} * frame.description.pitch);
  std::vector<std::uint32_t> expected = frame.expected;
  std::fill(expected.begin() + 70 * 200, expected.end(), 0u);
  agent.post(frame);
  EXPECT_EQ(worst_match(200, 120, expected, 0, 100, 290), 0) << client.log();
  EXPECT_TRUE(client.wait_for_log("region too small for 200x120")) << client.log();
}

TEST_F(ClientEndToEnd, OnlyTheDamagedRectsOfAFrameAreUploaded) {
  ShmRegion region(kRegionSize);
  TestAgent agent(region.bytes());
  agent.start();
  ClientProcess client(xvfb_->display(), region.path(), 256, 160);
  const BuiltFrame first = build_frame(FrameType::bgra, 256, 160, 1);
  agent.post(first);
  ASSERT_EQ(worst_match(256, 160, first.expected, 0), 0) << client.log();
  // The second buffer holds a different image everywhere, but the frame declares two rects: a
  // client that uploads only the damage shows the new pixels there and the old ones elsewhere.
  const BuiltFrame second = build_frame(FrameType::bgra, 256, 160, 2);
  const protocol::FrameDamageRect rects[2] = {{10, 20, 30, 40}, {200, 100, 56, 60}};
  agent.post(second, rects);
  std::vector<std::uint32_t> expected = first.expected;
  for (const auto& r : rects) {
    for (std::uint32_t y = r.y; y < r.y + r.height; ++y) {
      for (std::uint32_t x = r.x; x < r.x + r.width; ++x)
        expected[y * 256 + x] = second.expected[y * 256 + x];
    }
  }
  EXPECT_EQ(worst_match(256, 160, expected, 0), 0) << client.log();
}

TEST(ClientCommandLine, HelpListsTheOptionsWithTheirDefaults) {
  const std::string out_path = "/tmp/kagami-client-help-" + std::to_string(getpid()) + ".txt";
  ASSERT_EQ(std::system((test::client_binary() + " --help > " + out_path).c_str()), 0);
  std::ifstream in(out_path);
  const std::string help((std::istreambuf_iterator<char>(in)), {});
  std::filesystem::remove(out_path);
  for (const char* expected :
       {"--shm TEXT=/dev/shm/looking-glass", "--escape-key TEXT=ScrollLock",
        "--scale fit|integer|stretch=fit", "--filter auto|nearest|linear|sharp=auto",
        "--present on-frame|every-vblank=on-frame", "--spice-uri TEXT=spice://127.0.0.1:5900", "--config",
        "(default: on)", "(default: off)", "--upscale,--no-upscale "}) {
    EXPECT_NE(help.find(expected), std::string::npos) << expected << "\n" << help;
  }
  // A negated flag once read "--upscale,--no-upscale{false} ... (default: on)".
  EXPECT_EQ(help.find("{false}"), std::string::npos) << help;
  EXPECT_EQ(help.find("{true}"), std::string::npos) << help;
  // One version for every program: the CMake project's.
  ASSERT_EQ(std::system((test::client_binary() + " --version > " + out_path).c_str()), 0);
  std::ifstream version_in(out_path);
  const std::string version((std::istreambuf_iterator<char>(version_in)), {});
  std::filesystem::remove(out_path);
  EXPECT_EQ(version, "kagami-client " KAGAMI_VERSION "\n");
  // A bad value is refused with a message and a non-zero exit, before any window opens.
  EXPECT_NE(std::system((test::client_binary() + " --config /dev/null --filter bicubic 2>/dev/null").c_str()),
            0);
}

// Issue 11 item 8: no display is an error, not an invisible window; the headless driver only on
// request (the benchmark and headless GPU runs use SDL_VIDEODRIVER=offscreen).
TEST(ClientCommandLine, NoDisplayIsAClearErrorButAnExplicitOffscreenDriverRuns) {
  const std::string bin = test::client_binary();
  const std::string out_path = "/tmp/kagami-client-nodisplay-" + std::to_string(getpid()) + ".txt";
  const std::string common = " --config /dev/null --no-spice --shm /nonexistent > " + out_path + " 2>&1";
  const auto output = [&] {
    std::ifstream in(out_path);
    return std::string((std::istreambuf_iterator<char>(in)), {});
  };
  int rc = std::system(
      ("env -u DISPLAY -u WAYLAND_DISPLAY -u SDL_VIDEODRIVER timeout 10 " + bin + common).c_str());
  EXPECT_TRUE(WIFEXITED(rc) && WEXITSTATUS(rc) == 1) << rc << "\n" << output();
  EXPECT_NE(output().find("DISPLAY and WAYLAND_DISPLAY are not set"), std::string::npos) << output();

  rc = std::system(
      ("env -u WAYLAND_DISPLAY -u SDL_VIDEODRIVER DISPLAY=:4242 timeout 10 " + bin + common).c_str());
  EXPECT_TRUE(WIFEXITED(rc) && WEXITSTATUS(rc) == 1) << rc << "\n" << output();
  EXPECT_NE(output().find("DISPLAY=:4242"), std::string::npos) << output();

  // timeout's 124: still running after 2 s, as it should.
  rc = std::system(("env -u DISPLAY SDL_VIDEODRIVER=offscreen timeout 2 " + bin + common).c_str());
  EXPECT_TRUE(WIFEXITED(rc) && WEXITSTATUS(rc) == 124) << rc << "\n" << output();
  EXPECT_NE(output().find("renderer: gles"), std::string::npos) << output();
  std::filesystem::remove(out_path);
}

// Issue 11 item 1: the region file is truncated under the running client. The client keeps its
// window and the last image, says what happened, and attaches again once the file is whole.
TEST_F(ClientEndToEnd, ARegionTruncatedUnderTheClientIsSurvivedAndReattached) {
  ShmRegion region(kRegionSize);
  const BuiltFrame first = build_frame(FrameType::bgra, 400, 300, 1);
  {
    TestAgent agent(region.bytes());
    agent.start();
    ClientProcess client(xvfb_->display(), region.path(), 400, 300);
    agent.post(first);
    ASSERT_EQ(worst_match(400, 300, first.expected, 0), 0) << client.log();
    agent.stop();  // this process writes no more into the region while it is short

    ASSERT_EQ(truncate(region.path().c_str(), 16 << 20), 0);
    ASSERT_TRUE(client.wait_for_log("the region shrank to 16 MiB (it was 32 MiB)", 5000)) << client.log();
    EXPECT_TRUE(client.alive()) << client.log();
    const std::string title = title_containing(xvfb_->display(), "the region shrank");
    EXPECT_NE(title.find("the region shrank"), std::string::npos) << title;
    // The last image stays (the status is a banner low in the window, its long text wrapped to the
    // window's width, so it reaches above row 80; the top rows are the image).
    constexpr int kTop = 40;
    EXPECT_EQ(worst_match(
                  400, kTop,
                  std::vector<std::uint32_t>(first.expected.begin(), first.expected.begin() + 400 * kTop), 0),
              0)
        << client.log();

    ASSERT_EQ(truncate(region.path().c_str(), kRegionSize), 0);
    ASSERT_TRUE(client.wait_for_log("the region is whole again (32 MiB)", 5000)) << client.log();
    TestAgent second(region.bytes());
    second.start();
    const BuiltFrame next = build_frame(FrameType::rgba, 400, 300, 2);
    second.post(next);
    EXPECT_EQ(worst_match(400, 300, next.expected, 0), 0) << client.log();
    EXPECT_TRUE(client.alive()) << client.log();
  }
}

}  // namespace
}  // namespace kagami::client
