// The Vulkan renderer's own parts, offscreen on the machine's Vulkan device (lavapipe here:
// Debian's mesa-vulkan-drivers). The drawing cases every backend shares (types, HDR, rotations,
// damage, filters, cursors) run for Vulkan in renderer_test.cpp, in a window, from a heap buffer
// (so through the staging fallback). Here frames come from a /dev/shm MAP_SHARED mapping as the
// client maps the region, so the zero-copy import is what runs and is checked, with the same
// expectations (frame_builder); plus what only this backend has: the fallback's reason, damage
// across its two frame images, both threads at once, imgui's Vulkan backend.
#include "client/vulkan/vulkan_renderer.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <imgui.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>
#include <string>
#include <thread>

#include "client/layout.h"
#include "frame_builder.h"

namespace kagami::client {
namespace {

using protocol::FrameRotation;
using protocol::FrameType;
using test::build_frame;
using test::BuiltFrame;

// A /dev/shm file mapped MAP_SHARED, as kagami-client maps the region: a page of "LGMP" before
// the frame, so the frame starts page-aligned at offset 4096 like a KVMFR frame buffer.
class ShmRegion {
 public:
  explicit ShmRegion(std::size_t bytes) : size_((bytes + 8191) / 4096 * 4096) {
    const std::string path = "/dev/shm/kagami-vulkan-test-" + std::to_string(getpid());
    const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_EXCL, 0600);
    unlink(path.c_str());
    if (fd < 0 || ftruncate(fd, static_cast<off_t>(size_)) != 0) return;
    void* p = mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (p != MAP_FAILED) data_ = static_cast<std::byte*>(p);
  }
  ~ShmRegion() {
    if (data_) munmap(data_, size_);
  }
  ShmRegion(const ShmRegion&) = delete;
  ShmRegion& operator=(const ShmRegion&) = delete;
  std::span<std::byte> span() const { return {data_, size_}; }
  std::byte* frame() const { return data_ + kFrameOffset; }
  static constexpr std::uint64_t kFrameOffset = 4096;

 private:
  std::size_t size_;
  std::byte* data_ = nullptr;
};

class VulkanRendererTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = VulkanRenderer::create({});
    ASSERT_TRUE(r.ok()) << r.error().message;
    renderer_ = std::move(*r);
  }
  void open(int width, int height) {
    width_ = width;
    height_ = height;
  }

  Layout layout(ScaleMode scale = ScaleMode::fit, bool upscale = false,
                FilterMode filter = FilterMode::nearest) {
    const auto g = renderer_->geometry();
    return compute_layout(g.image_width(), g.image_height(), width_, height_, scale, upscale, filter);
  }
  // Copies the frame into the shared region (page-aligned) and uploads it from there.
  UploadStats upload(const BuiltFrame& f, bool full = true, const WaitReady& wait = always_ready()) {
    if (!region_ || region_->span().size() < ShmRegion::kFrameOffset + f.pixels.size())
      region_ = std::make_unique<ShmRegion>(ShmRegion::kFrameOffset + f.pixels.size() + (1 << 20));
    std::memcpy(region_->frame(), f.pixels.data(), f.pixels.size());
    protocol::ValidatedFrame v = f.validated();
    v.pixels_offset = ShmRegion::kFrameOffset;
    return renderer_->upload(FrameSource{v, region_->span(), full, wait});
  }
  static const WaitReady& always_ready() {
    static const WaitReady ready = [](std::uint64_t) { return true; };
    return ready;
  }
  std::vector<std::uint32_t> draw(const Layout& l, const DrawState* extra = nullptr) {
    DrawState s = extra ? *extra : DrawState{};
    s.window_width = width_;
    s.window_height = height_;
    s.layout = l;
    renderer_->render(s);
    auto pixels = renderer_->read_target();
    EXPECT_TRUE(pixels.ok()) << pixels.error().message;
    return pixels.ok() ? *pixels : std::vector<std::uint32_t>(std::size_t(width_) * height_);
  }
  int worst(const std::vector<std::uint32_t>& shown, const std::vector<std::uint32_t>& expected) const {
    int w = 0;
    for (std::size_t i = 0; i < expected.size(); ++i)
      w = std::max(w, test::channel_distance(shown[i], expected[i]));
    return w;
  }
  std::uint32_t at(const std::vector<std::uint32_t>& image, int x, int y) const {
    return image[std::size_t(y) * width_ + x];
  }

  std::unique_ptr<VulkanRenderer> renderer_;
  std::unique_ptr<ShmRegion> region_;
  int width_ = 0, height_ = 0;
};

struct TypeCase {
  FrameType type;
  int tolerance;  // 8-bit formats are exact; converted formats round once
};

class EveryFrameType : public VulkanRendererTest, public ::testing::WithParamInterface<TypeCase> {};

TEST_P(EveryFrameType, ShowsExactPixelsAtOneToOneNearest) {
  // 202 is not a multiple of 4: BGR_32 rows end mid-texel.
  const BuiltFrame f = build_frame(GetParam().type, 202, 120);
  open(202, 120);
  upload(f);
  EXPECT_EQ(renderer_->last_upload_path(), vk::UploadPath::host_import) << renderer_->describe();
  EXPECT_LE(worst(draw(layout()), f.expected), GetParam().tolerance);
}

INSTANTIATE_TEST_SUITE_P(Types, EveryFrameType,
                         ::testing::Values(TypeCase{FrameType::bgra, 0}, TypeCase{FrameType::rgba, 0},
                                           TypeCase{FrameType::rgba10, 0}, TypeCase{FrameType::rgba16f, 2},
                                           TypeCase{FrameType::bgr_32, 0}, TypeCase{FrameType::rgb_24, 0}),
                         [](const auto& param_info) {
                           return std::string(protocol::frame_type_name(param_info.param.type));
                         });

TEST_F(VulkanRendererTest, ImportsTheSharedMappingAndSaysSo) {
  const BuiltFrame f = build_frame(FrameType::bgra, 64, 32);
  open(64, 32);
  upload(f);
  EXPECT_EQ(renderer_->last_upload_path(), vk::UploadPath::host_import);
  EXPECT_NE(renderer_->describe().find("host-pointer import (VK_EXT_external_memory_host"), std::string::npos)
      << renderer_->describe();
}

TEST_F(VulkanRendererTest, FallsBackToStagingWhenTheSpanCannotBeImported) {
  // A frame in ordinary heap memory: its page-aligned span leaves the "mapping".
  const BuiltFrame f = build_frame(FrameType::rgba, 100, 50);
  open(100, 50);
  const auto v = f.validated();
  renderer_->upload(
      FrameSource{v, std::span<const std::byte>(f.pixels.data() + 0, f.pixels.size()), true, always_ready()});
  if (reinterpret_cast<std::uintptr_t>(f.pixels.data()) % 4096 != 0) {
    EXPECT_EQ(renderer_->last_upload_path(), vk::UploadPath::staging);
    EXPECT_NE(renderer_->describe().find("staging buffer (the frame buffer's"), std::string::npos)
        << renderer_->describe();
  }
  EXPECT_EQ(worst(draw(layout()), f.expected), 0);
}

TEST_F(VulkanRendererTest, UploadsOnlyTheDamagedRectsAcrossBothImages) {
  // Three frames, the last two with one damage rect each: the renderer alternates between two
  // images, so the third upload must first bring its image up to date with the second's rect.
  const BuiltFrame first = build_frame(FrameType::bgra, 128, 64, 0);
  BuiltFrame second = build_frame(FrameType::bgra, 128, 64, 5);
  BuiltFrame third = build_frame(FrameType::bgra, 128, 64, 11);
  open(128, 64);
  upload(first);
  const protocol::FrameDamageRect rect2{16, 8, 40, 20}, rect3{70, 30, 30, 30};
  second.description.damage = std::span(&rect2, 1);
  third.description.damage = std::span(&rect3, 1);
  EXPECT_EQ(upload(second, false).bytes, 40u * 20u * 4u);
  std::vector<std::uint32_t> expected = first.expected;
  for (int y = 8; y < 28; ++y)
    for (int x = 16; x < 56; ++x)
      expected[std::size_t(y) * 128 + x] = second.expected[std::size_t(y) * 128 + x];
  EXPECT_EQ(worst(draw(layout()), expected), 0);
  EXPECT_EQ(upload(third, false).bytes, 30u * 30u * 4u);
  for (int y = 30; y < 60; ++y)
    for (int x = 70; x < 100; ++x)
      expected[std::size_t(y) * 128 + x] = third.expected[std::size_t(y) * 128 + x];
  EXPECT_EQ(worst(draw(layout()), expected), 0);
}

TEST_F(VulkanRendererTest, ReadsEachBandOnlyAfterTheWritePointerPassedIt) {
  // The "agent" writes rows into the shared region only when the renderer asks for them: a
  // renderer that read ahead of the write pointer would show the filler bytes.
  const BuiltFrame f = build_frame(FrameType::bgra, 320, 1000);  // several bands
  open(320, 1000);
  region_ = std::make_unique<ShmRegion>(ShmRegion::kFrameOffset + f.pixels.size());
  std::memset(region_->frame(), 0xEE, f.pixels.size());
  std::uint64_t written = 0;
  std::vector<std::uint64_t> waits;
  protocol::ValidatedFrame v = f.validated();
  v.pixels_offset = ShmRegion::kFrameOffset;
  const WaitReady wait = [&](std::uint64_t bytes) {
    waits.push_back(bytes);
    if (bytes > written) {
      std::memcpy(region_->frame() + written, f.pixels.data() + written, bytes - written);
      written = bytes;
    }
    return true;
  };
  renderer_->upload(FrameSource{v, region_->span(), true, wait});
  EXPECT_EQ(renderer_->last_upload_path(), vk::UploadPath::host_import);
  ASSERT_GT(waits.size(), 2u);
  EXPECT_TRUE(std::is_sorted(waits.begin(), waits.end()));
  EXPECT_EQ(waits.back(), v.data_size);
  EXPECT_EQ(worst(draw(layout()), f.expected), 0);
}

TEST_F(VulkanRendererTest, ReadGuestImageIsTheFrameAtItsOwnSize) {
  BuiltFrame f = build_frame(FrameType::rgba, 90, 50);
  f.description.rotation = FrameRotation::r90;
  open(300, 300);
  upload(f);
  auto guest = renderer_->read_guest_image();
  ASSERT_TRUE(guest.ok()) << guest.error().message;
  ASSERT_EQ(guest->width, 50u);
  ASSERT_EQ(guest->height, 90u);
  // Display (dx, dy) of a 90-degree turn shows frame (dy, 49 - dx).
  int w = 0;
  for (int dy = 0; dy < 90; ++dy) {
    for (int dx = 0; dx < 50; ++dx) {
      const std::uint8_t* p = guest->rgb.data() + (std::size_t(dy) * 50 + dx) * 3;
      const std::uint32_t rgb = std::uint32_t{p[0]} << 16 | std::uint32_t{p[1]} << 8 | p[2];
      w = std::max(w, test::channel_distance(rgb, f.expected[std::size_t(49 - dx) * 90 + dy]));
    }
  }
  EXPECT_EQ(w, 0);
}

TEST_F(VulkanRendererTest, ResetShowsBlackUntilTheNextFrame) {
  const BuiltFrame f = build_frame(FrameType::bgra, 32, 32);
  open(32, 32);
  upload(f);
  EXPECT_TRUE(renderer_->has_frame());
  renderer_->reset();
  EXPECT_FALSE(renderer_->has_frame());
  EXPECT_EQ(worst(draw(layout()), std::vector<std::uint32_t>(32 * 32, 0)), 0);
  upload(f);
  EXPECT_EQ(worst(draw(layout()), f.expected), 0);
}

TEST_F(VulkanRendererTest, UploadsOnTheFrameThreadWhileTheRenderThreadDraws) {
  // The seam's contract: upload() on one thread, render() on another, at the same time. Frames
  // alternate full and damage-only uploads and change size halfway (new images while drawing);
  // the last frame must be what is finally drawn, exactly.
  std::vector<BuiltFrame> frames;
  for (std::uint32_t seed = 0; seed < 4; ++seed) frames.push_back(build_frame(FrameType::bgra, 96, 64, seed));
  for (std::uint32_t seed = 0; seed < 4; ++seed)
    frames.push_back(build_frame(FrameType::rgba, 80, 48, seed + 7));
  std::vector<std::unique_ptr<ShmRegion>> regions;
  for (const BuiltFrame& f : frames) {
    regions.push_back(std::make_unique<ShmRegion>(ShmRegion::kFrameOffset + f.pixels.size()));
    std::memcpy(regions.back()->frame(), f.pixels.data(), f.pixels.size());
  }
  open(96, 64);
  std::atomic<bool> done{false};
  std::thread frame_thread([&] {
    for (int round = 0; round < 40; ++round) {
      const std::size_t i = static_cast<std::size_t>(round) * frames.size() / 40;
      protocol::ValidatedFrame v = frames[i].validated();
      v.pixels_offset = ShmRegion::kFrameOffset;
      const protocol::FrameDamageRect rect{8, 8, 16, 16};
      if (round % 2) v.damage.assign(1, rect);
      renderer_->upload(FrameSource{v, regions[i]->span(), round % 2 == 0, always_ready()});
    }
    // The last frame in full, so the expectation is simple.
    protocol::ValidatedFrame v = frames.back().validated();
    v.pixels_offset = ShmRegion::kFrameOffset;
    renderer_->upload(FrameSource{v, regions.back()->span(), true, always_ready()});
    done = true;
  });
  int draws = 0;
  while (!done || draws < 5) {
    DrawState s;
    s.window_width = width_;
    s.window_height = height_;
    s.layout = layout();
    renderer_->render(s);
    ++draws;
  }
  frame_thread.join();
  open(80, 48);
  EXPECT_EQ(worst(draw(layout()), frames.back().expected), 0);
}

TEST_F(VulkanRendererTest, DrawsTheImGuiOverlayThroughImGuisVulkanBackend) {
  const BuiltFrame f = build_frame(FrameType::bgra, 64, 64);
  open(64, 64);
  upload(f);
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;
  io.DisplaySize = ImVec2(64, 64);
  unsigned char* font = nullptr;
  int fw = 0, fh = 0;
  io.Fonts->GetTexDataAsRGBA32(&font, &fw, &fh);
  for (int frame = 0; frame < 2; ++frame) {
    renderer_->begin_overlay_frame();  // the first one starts imgui's Vulkan backend
    ImGui::NewFrame();
    ImGui::GetForegroundDrawList()->AddRectFilled(ImVec2(8, 8), ImVec2(24, 20), IM_COL32(255, 0, 255, 255));
    ImGui::Render();
    DrawState s;
    s.overlay = ImGui::GetDrawData();
    const auto shot = draw(layout(), &s);
    EXPECT_EQ(at(shot, 10, 10), 0xFF00FFu);
    EXPECT_EQ(at(shot, 23, 19), 0xFF00FFu);
    EXPECT_EQ(at(shot, 30, 30), f.expected[30 * 64 + 30]);  // the frame around it
  }
  renderer_.reset();  // the backend goes before the ImGui context
  ImGui::DestroyContext();
}

}  // namespace
}  // namespace kagami::client
