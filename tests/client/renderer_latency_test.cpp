// The client's opt-in latency trace (KAGAMI_LATENCY_TRACE, src/client/latency_trace.h) through the
// real kagami-client on a private Xvfb, per renderer: every frame line has its stages in the order
// the frame path runs them, names a frame that was posted, and a pointer motion moved with
// xdotool is reported at its window position. And `--renderer auto` on a software Vulkan device
// (lavapipe here) takes GLES, which presents faster there (renderer_factory.cpp).
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "client/latency_trace.h"
#include "e2e_harness.h"
#include "frame_builder.h"
#include "xvfb.h"

namespace kagami::client {
namespace {

using test::ClientProcess;
using test::ShmRegion;
using test::TestAgent;

class LatencyTrace : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { xvfb_ = std::make_unique<test::Xvfb>(320, 240); }
  void TearDown() override {
    unsetenv("KAGAMI_LATENCY_TRACE");
    xvfb_.reset();
  }
  std::unique_ptr<test::Xvfb> xvfb_;
};

TEST_P(LatencyTrace, FramesCarryTheirStagesInOrderAndMotionsTheirPosition) {
  ShmRegion region(32u << 20);
  const std::string trace = region.path() + ".trace";
  setenv("KAGAMI_LATENCY_TRACE", trace.c_str(), 1);
  TestAgent agent(region.bytes());
  agent.start();
  ClientProcess client(xvfb_->display(), region.path(), 320, 240, {"--renderer", GetParam()});
  unsetenv("KAGAMI_LATENCY_TRACE");

  // Posted serials: TestAgent numbers its posts from 0.
  std::set<std::uint32_t> posted;
  std::vector<latency_trace::TracedFrame> frames;
  for (std::uint32_t i = 0; i < 300 && frames.size() < 5; ++i) {
    agent.post(test::build_frame(protocol::FrameType::bgra, 320, 240, i));
    posted.insert(i);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    frames = latency_trace::read(trace).frames;
  }
  ASSERT_GE(frames.size(), 5u) << client.log();
  for (const latency_trace::TracedFrame& f : frames) {
    SCOPED_TRACE("frame serial " + std::to_string(f.serial));
    EXPECT_TRUE(posted.count(f.serial));
    const auto [taken, ready, woken, committed, uploaded, drawn, swapped] =
        std::tuple{f.ns[0], f.ns[1], f.ns[2], f.ns[3], f.ns[4], f.ns[5], f.ns[6]};
    EXPECT_NE(taken, 0u);
    EXPECT_LE(taken, ready);
    EXPECT_LE(ready, committed);  // nothing goes into the image before its rows are there
    EXPECT_LE(committed, drawn);
    EXPECT_LE(drawn, swapped);
    // 0: the render thread was already running when the frame came (no wake-up needed).
    if (woken) {
      EXPECT_LE(taken, woken);
    }
    if (uploaded) {
      EXPECT_LE(ready, uploaded);  // 0: the render thread drew before upload() returned
    }
  }

  // xdotool moves the pointer over the window (at 0,0): the render thread reports that position.
  ASSERT_EQ(std::system(("DISPLAY=" + xvfb_->display() + " xdotool mousemove 57 43 >/dev/null 2>&1").c_str()),
            0);
  bool seen = false;
  for (int i = 0; i < 200 && !seen; ++i) {
    for (const latency_trace::HandledMotion& m : latency_trace::read(trace).motions)
      seen |= m.x == 57 && m.y == 43;
    if (!seen) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(seen);
  std::remove(trace.c_str());
}

std::vector<std::string> traced_renderers() {
#ifdef KAGAMI_HAVE_VULKAN
  return {"gles", "vulkan"};
#else
  return {"gles"};
#endif
}

std::string renderer_name(const ::testing::TestParamInfo<std::string>& param) { return param.param; }

INSTANTIATE_TEST_SUITE_P(Renderers, LatencyTrace, ::testing::ValuesIn(traced_renderers()), renderer_name);

#ifdef KAGAMI_HAVE_VULKAN
TEST(RendererAuto, TakesGlesWhenTheVulkanDeviceIsASoftwareRasteriser) {
  test::Xvfb xvfb(320, 240);
  ShmRegion region(32u << 20);
  ClientProcess client(xvfb.display(), region.path(), 320, 240, {"--renderer", "auto"});
  ASSERT_TRUE(client.wait_for_log("] renderer: ")) << client.log();
  const std::string log = client.log();
  // The Vulkan backend names its device first; lavapipe calls itself llvmpipe.
  if (log.find("Vulkan renderer: llvmpipe") == std::string::npos)
    GTEST_SKIP() << "the Vulkan device here is not lavapipe: " << log;
  EXPECT_NE(log.find("renderer: gles (auto: its Vulkan device is a software rasteriser"), std::string::npos)
      << log;
}
#endif

}  // namespace
}  // namespace kagami::client
