// The agent loop with the pattern backend, read by a real KvmfrSession: every pixel of every
// received frame must be the scene's frame named by its latency marker. Reading whole buffers
// checks the buffer-contents invariant (kvmfr-v20.md §4.1), not only the damaged rects.
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <map>
#include <thread>

#include "agent/agent.h"
#include "agent/guest_info.h"
#include "capture/pattern/pattern_backend.h"
#include "protocol/kvmfr_frame.h"
#include "reader.h"
#include "running_agent.h"
#include "test_region.h"

namespace kagami::agent {
namespace {

using namespace std::chrono_literals;
using capture::PatternConfig;

using testing::RunningAgent;

// The frame must equal the scene's rendering of the frame its marker names (rows present only).
void expect_pattern_frame(const testing::ReceivedFrame& f, std::uint64_t seed) {
  ASSERT_TRUE(f.complete) << "the write pointer never reached the end";
  ASSERT_EQ(f.info.type, protocol::FrameType::bgra);
  const auto marker = capture::decode_latency_marker(f.pixels.data(), f.info.pitch, 4, f.info.frame_width,
                                                     f.info.data_height, 0, 0);
  ASSERT_TRUE(marker) << "no latency marker in the frame";
  const capture::PatternScene scene(f.info.frame_width, f.info.frame_height, seed);
  std::vector<std::byte> expected(std::size_t{f.info.pitch} * f.info.frame_height);
  scene.render(*marker, expected.data(), f.info.pitch, capture::Rect{0, 0, scene.width(), scene.height()});
  expected.resize(f.pixels.size());
  ASSERT_EQ(f.pixels.size(), std::size_t{f.info.data_height} * f.info.pitch);
  std::size_t first_bad = f.pixels.size();
  for (std::size_t i = 0; i < f.pixels.size() && first_bad == f.pixels.size(); ++i) {
    if (f.pixels[i] != expected[i]) first_bad = i;
  }
  EXPECT_EQ(first_bad, f.pixels.size())
      << "frame " << marker->frame << ": first wrong pixel at (" << (first_bad % f.info.pitch) / 4 << ", "
      << first_bad / f.info.pitch << ")";
}

TEST(AgentPattern, EveryPixelOfEveryFrameMatchesTheScene) {
  testing::TestRegion region(32 << 20);
  ASSERT_TRUE(region.ok());
  PatternConfig config;
  config.size = {640, 480};
  config.seed = 7;
  config.frame_interval = 5ms;
  capture::PatternBackend backend(config);
  ASSERT_TRUE(backend.start());
  RunningAgent running(region.bytes(), backend);
  testing::Reader reader(region.bytes());

  std::uint32_t last_serial = 0;
  int partial = 0;
  for (int i = 0; i < 40; ++i) {
    auto frame = reader.next_frame();
    ASSERT_TRUE(frame) << "no frame: " << reader.session().status().message << " " << reader.last_error();
    expect_pattern_frame(*frame, 7);
    EXPECT_EQ(frame->info.frame_width, 640u);
    EXPECT_EQ(frame->info.pitch, 640u * 4);
    EXPECT_EQ(frame->info.flags & protocol::kFrameFlagTruncated, 0u);
    if (i > 0) {
      EXPECT_GT(frame->info.frame_serial, last_serial);
    }
    last_serial = frame->info.frame_serial;
    partial += !frame->info.damage.empty();
  }
  EXPECT_GT(partial, 20) << "most frames should announce damage rects, not the whole frame";
  ASSERT_TRUE(reader.session().guest().vm);
  EXPECT_EQ(reader.session().guest().vm->capture, "pattern");
  ASSERT_TRUE(reader.session().guest().os);
  EXPECT_EQ(reader.session().guest().os->os, 0);  // Linux
  running.stop();
  EXPECT_TRUE(running.result());
  EXPECT_GT(running.agent().stats().frames, 40u);
}

TEST(AgentPattern, AnnouncedDamageCoversTheChangeFromThePreviousFrame) {
  testing::TestRegion region(32 << 20);
  PatternConfig config;
  config.size = {512, 384};
  config.seed = 3;
  config.frame_interval = 5ms;
  capture::PatternBackend backend(config);
  ASSERT_TRUE(backend.start());
  RunningAgent running(region.bytes(), backend);
  testing::Reader reader(region.bytes());

  // A client that keeps one texture and uploads only the announced rects must end up with the
  // same image as the frame itself.
  std::vector<std::byte> texture;
  for (int i = 0; i < 30; ++i) {
    auto frame = reader.next_frame();
    ASSERT_TRUE(frame);
    if (texture.empty() || frame->info.damage.empty()) {
      texture = frame->pixels;
    } else {
      for (const auto& r : frame->info.damage) {
        for (std::uint32_t y = r.y; y < r.y + r.height; ++y) {
          std::memcpy(&texture[y * frame->info.pitch + r.x * 4],
                      &frame->pixels[y * frame->info.pitch + r.x * 4], r.width * 4);
        }
      }
    }
    ASSERT_EQ(texture, frame->pixels) << "frame serial " << frame->info.frame_serial;
  }
}

TEST(AgentPattern, CursorShapePositionAndClientMoves) {
  testing::TestRegion region(32 << 20);
  PatternConfig config;
  config.frame_interval = 10ms;
  capture::PatternBackend backend(config);
  ASSERT_TRUE(backend.start());
  RunningAgent running(region.bytes(), backend);
  testing::Reader reader(region.bytes());

  auto shaped = reader.next_cursor([](const protocol::CursorUpdate& c) { return c.shape.has_value(); });
  ASSERT_TRUE(shaped) << reader.session().status().message;
  const auto expected = capture::PatternScene::cursor_shape();
  EXPECT_EQ(shaped->shape->width, expected.width);
  EXPECT_EQ(shaped->shape->height, expected.height);
  EXPECT_EQ(shaped->shape->data, expected.data);
  EXPECT_TRUE(shaped->visible);

  ASSERT_TRUE(reader.session().can_set_cursor_position());
  ASSERT_TRUE(reader.session().set_cursor_position(321, 123));
  auto moved = reader.next_cursor(
      [](const protocol::CursorUpdate& c) { return c.has_position && c.x == 321 && c.y == 123; });
  EXPECT_TRUE(moved) << "the set-cursor-position message did not come back as a cursor update";
}

TEST(AgentPattern, ResolutionChangeBumpsFormatVerWithoutRestart) {
  testing::TestRegion region(32 << 20);
  PatternConfig config;
  config.size = {320, 240};
  config.more_sizes = {{400, 300}};
  config.frames_per_size = 8;
  config.frame_interval = 5ms;
  capture::PatternBackend backend(config);
  ASSERT_TRUE(backend.start());
  RunningAgent running(region.bytes(), backend);
  testing::Reader reader(region.bytes());

  std::map<std::uint32_t, std::uint32_t> width_of_format;
  const std::uint32_t session = [&] {
    auto f = reader.next_frame();
    return f ? reader.session().session_id() : 0u;
  }();
  for (int i = 0; i < 60 && width_of_format.size() < 3; ++i) {
    auto frame = reader.next_frame();
    ASSERT_TRUE(frame);
    expect_pattern_frame(*frame, config.seed);
    auto [it, inserted] = width_of_format.emplace(frame->info.format_ver, frame->info.frame_width);
    EXPECT_EQ(it->second, frame->info.frame_width) << "one formatVer, one geometry";
  }
  ASSERT_GE(width_of_format.size(), 3u) << "320 -> 400 -> 320 should give three formatVer values";
  EXPECT_EQ(reader.session().session_id(), session) << "no restart";
  EXPECT_EQ(reader.session().counters().sessions, 1u);
}

TEST(AgentPattern, TooSmallRegionTruncates) {
  // 16 MiB gives 6.5 MiB per frame buffer: a 1920x1080 frame (7.9 MiB) loses its bottom rows.
  testing::TestRegion region(16 << 20);
  PatternConfig config;
  config.size = {1920, 1080};
  config.frame_interval = 20ms;
  capture::PatternBackend backend(config);
  ASSERT_TRUE(backend.start());
  RunningAgent running(region.bytes(), backend);
  testing::Reader reader(region.bytes());
  auto frame = reader.next_frame();
  ASSERT_TRUE(frame);
  EXPECT_NE(frame->info.flags & protocol::kFrameFlagTruncated, 0u);
  EXPECT_EQ(frame->info.frame_height, 1080u);
  EXPECT_LT(frame->info.data_height, 1080u);
  EXPECT_GT(frame->info.data_height, 700u);
  expect_pattern_frame(*frame, config.seed);
  EXPECT_GT(running.agent().stats().truncated_frames, 0u);
}

TEST(AgentPattern, NoClientMeansNoCapture) {
  testing::TestRegion region(32 << 20);
  PatternConfig config;
  config.frame_interval = 5ms;
  capture::PatternBackend backend(config);
  ASSERT_TRUE(backend.start());
  RunningAgent running(region.bytes(), backend);
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(running.agent().stats().captured, 0u);
  testing::Reader reader(region.bytes());
  auto frame = reader.next_frame();
  ASSERT_TRUE(frame);
  expect_pattern_frame(*frame, config.seed);
}

TEST(AgentPattern, AStalledClientDoesNotStopCapture) {
  testing::TestRegion region(32 << 20);
  PatternConfig config;
  config.frame_interval = 5ms;
  capture::PatternBackend backend(config);
  ASSERT_TRUE(backend.start());
  RunningAgent running(region.bytes(), backend);
  testing::Reader reader(region.bytes());
  ASSERT_TRUE(reader.next_frame());
  // The reader stops reading for 400 ms: frames queue up (2 slots), but capture goes on.
  const AgentStats before = running.agent().stats();
  std::this_thread::sleep_for(400ms);
  const AgentStats after = running.agent().stats();
  EXPECT_GT(after.captured - before.captured, 5u) << "capture must go on (the scene runs at 200 fps)";
  EXPECT_LE(after.frames - before.frames, 3u) << "only as many frames as there are free slots";
  // And reading resumes with correct frames.
  for (int i = 0; i < 5; ++i) {
    auto frame = reader.next_frame();
    ASSERT_TRUE(frame);
    expect_pattern_frame(*frame, config.seed);
  }
}

TEST(AgentPattern, FpsMaxLimitsPostedFrames) {
  testing::TestRegion region(32 << 20);
  PatternConfig config;
  config.frame_interval = 2ms;  // 500 fps scene
  capture::PatternBackend backend(config);
  ASSERT_TRUE(backend.start());
  AgentConfig agent_config;
  agent_config.fps_max = 20;
  RunningAgent running(region.bytes(), backend, agent_config);
  testing::Reader reader(region.bytes());
  ASSERT_TRUE(reader.next_frame());
  const auto t0 = std::chrono::steady_clock::now();
  int frames = 0;
  while (std::chrono::steady_clock::now() - t0 < 1s) {
    if (reader.next_frame(200ms)) ++frames;
  }
  // 20 per second (a frame or two of slack for the boundaries), far below the scene's 500.
  EXPECT_LE(frames, 22);
  EXPECT_GE(frames, 5);
}

TEST(AgentPattern, ALateReaderGetsTheLastFrameAgain) {
  testing::TestRegion region(32 << 20);
  PatternConfig config;
  config.size = {320, 240};
  config.frame_interval = 5s;  // one frame, then a static screen
  capture::PatternBackend backend(config);
  ASSERT_TRUE(backend.start());
  RunningAgent running(region.bytes(), backend);
  testing::Reader first(region.bytes());
  auto frame = first.next_frame();
  ASSERT_TRUE(frame);
  // A second viewer joins while nothing changes: the agent re-posts the last frame for it.
  testing::Reader late(region.bytes());
  auto again = late.next_frame(2s);
  ASSERT_TRUE(again) << "the late reader got no frame while the screen was static";
  EXPECT_EQ(again->info.frame_serial, frame->info.frame_serial);
  EXPECT_EQ(again->pixels, frame->pixels);
  EXPECT_GE(running.agent().stats().reposts, 1u);
  // And the cursor shape, posted long before it joined.
  EXPECT_TRUE(late.next_cursor([](const protocol::CursorUpdate& c) { return c.shape.has_value(); }, 2s));
}

TEST(AgentPattern, WipedRegionIsSetUpAgain) {
  testing::TestRegion region(32 << 20);
  PatternConfig config;
  config.size = {320, 240};
  config.frame_interval = 5ms;
  capture::PatternBackend backend(config);
  ASSERT_TRUE(backend.start());
  RunningAgent running(region.bytes(), backend);
  testing::Reader reader(region.bytes());
  ASSERT_TRUE(reader.next_frame());
  const std::uint32_t first_session = reader.session().session_id();

  // Something wipes the LGMP magic: the heartbeat reports LGMP_ERR_CORRUPTED, the agent starts
  // a new session, and the reader follows with correct frames.
  {
    const testing::OtherProcess someone;
    std::memset(region.bytes().data(), 0, 4);
  }
  bool recovered = false;
  for (int i = 0; i < 200 && !recovered; ++i) {
    auto frame = reader.next_frame(100ms);
    recovered = frame && reader.session().session_id() != first_session;
    if (recovered) expect_pattern_frame(*frame, config.seed);
  }
  EXPECT_TRUE(recovered) << reader.session().status().message;
  EXPECT_GE(running.agent().stats().region_resets, 1u);
}

}  // namespace
}  // namespace kagami::agent
