// The drm backend's decision per scanout framebuffer: map and copy (linear), import through the
// GPU (tiled or compressed), or a message saying why not. No /dev/dri is needed: the inputs are
// what drmModeGetFB2 reports.
#include "capture/drm/scanout_plan.h"

#include <drm_fourcc.h>
#include <gtest/gtest.h>

namespace kagami::capture {
namespace {

ScanoutDescription fb(std::uint32_t fourcc, std::uint64_t modifier, bool has_modifier,
                      std::uint32_t planes = 1) {
  ScanoutDescription d;
  d.fourcc = fourcc;
  d.modifier = modifier;
  d.has_modifier = has_modifier;
  d.planes = planes;
  d.width = 1920;
  d.height = 1080;
  d.pitch = 1920 * 4;
  return d;
}

TEST(ScanoutPlan, LinearBuffersAreMappedWithTheirLayout) {
  for (bool gpu : {false, true}) {
    auto p = plan_scanout(fb(DRM_FORMAT_XRGB8888, 0, false), gpu);  // no modifier: implicit linear
    EXPECT_EQ(p.how, ScanoutRead::map_linear);
    EXPECT_EQ(p.source, SourceFormat::xrgb8888);
    p = plan_scanout(fb(DRM_FORMAT_XBGR8888, DRM_FORMAT_MOD_LINEAR, true), gpu);
    EXPECT_EQ(p.how, ScanoutRead::map_linear);
    EXPECT_EQ(p.source, SourceFormat::xbgr8888);
    p = plan_scanout(fb(DRM_FORMAT_ABGR2101010, DRM_FORMAT_MOD_LINEAR, true), gpu);
    EXPECT_EQ(p.how, ScanoutRead::map_linear);
    EXPECT_EQ(p.source, SourceFormat::xbgr2101010);
    p = plan_scanout(fb(DRM_FORMAT_XRGB8888, DRM_FORMAT_MOD_INVALID, true), gpu);
    EXPECT_EQ(p.how, ScanoutRead::map_linear) << "INVALID = the driver's implicit layout";
  }
  auto d = fb(DRM_FORMAT_RGB565, 0, false);
  d.pitch = 1920 * 2;
  EXPECT_EQ(plan_scanout(d, false).how, ScanoutRead::map_linear);
  EXPECT_EQ(plan_scanout(d, false).source, SourceFormat::rgb565);
}

TEST(ScanoutPlan, TiledAndCompressedGoThroughTheGpu) {
  for (std::uint64_t modifier : {I915_FORMAT_MOD_X_TILED, I915_FORMAT_MOD_Y_TILED, I915_FORMAT_MOD_4_TILED,
                                 DRM_FORMAT_MOD_NVIDIA_BLOCK_LINEAR_2D(0, 0, 0, 2, 4),
                                 AMD_FMT_MOD | AMD_FMT_MOD_SET(TILE_VERSION, AMD_FMT_MOD_TILE_VER_GFX9) |
                                     AMD_FMT_MOD_SET(TILE, AMD_FMT_MOD_TILE_GFX9_64K_S)}) {
    for (std::uint32_t format : {DRM_FORMAT_XRGB8888, DRM_FORMAT_ARGB8888, DRM_FORMAT_XBGR2101010}) {
      EXPECT_EQ(plan_scanout(fb(format, modifier, true), true).how, ScanoutRead::gpu_import)
          << std::hex << modifier << " " << format;
    }
  }
  // A compression control surface as a second plane: linear in name, but not for the CPU.
  EXPECT_EQ(plan_scanout(fb(DRM_FORMAT_XRGB8888, DRM_FORMAT_MOD_LINEAR, true, 2), true).how,
            ScanoutRead::gpu_import);
  EXPECT_EQ(plan_scanout(fb(DRM_FORMAT_XRGB8888, I915_FORMAT_MOD_Y_TILED_CCS, true, 2), true).how,
            ScanoutRead::gpu_import);
}

TEST(ScanoutPlan, WithoutTheGpuPathTiledBuffersSaySoAndWhatToDo) {
  const auto p = plan_scanout(fb(DRM_FORMAT_XRGB8888, I915_FORMAT_MOD_Y_TILED, true), false);
  EXPECT_EQ(p.how, ScanoutRead::unsupported);
  EXPECT_NE(p.reason.find("tiled or compressed"), std::string::npos) << p.reason;
  EXPECT_NE(p.reason.find("INTEL"), std::string::npos) << p.reason;
  EXPECT_NE(p.reason.find("XR24"), std::string::npos) << p.reason;
  EXPECT_NE(p.reason.find("this build"), std::string::npos) << p.reason;
  EXPECT_NE(p.reason.find("--capture wlr"), std::string::npos) << p.reason;
}

TEST(ScanoutPlan, WhatCannotBeReadIsNamed) {
  auto p = plan_scanout(fb(DRM_FORMAT_YUYV, DRM_FORMAT_MOD_LINEAR, true), true);
  EXPECT_EQ(p.how, ScanoutRead::unsupported);
  EXPECT_NE(p.reason.find("unsupported scanout format YUYV"), std::string::npos) << p.reason;

  p = plan_scanout(fb(DRM_FORMAT_NV12, I915_FORMAT_MOD_Y_TILED, true, 2), true);
  EXPECT_EQ(p.how, ScanoutRead::unsupported);
  EXPECT_NE(p.reason.find("cannot read back"), std::string::npos) << p.reason;

  auto d = fb(DRM_FORMAT_XRGB8888, 0, false);
  d.pitch = 1000;  // shorter than a row: a mapping would be read past its end
  p = plan_scanout(d, true);
  EXPECT_EQ(p.how, ScanoutRead::unsupported);
  EXPECT_NE(p.reason.find("pitch 1000"), std::string::npos) << p.reason;

  d = fb(DRM_FORMAT_XRGB8888, 0, false);
  d.width = 0;
  EXPECT_EQ(plan_scanout(d, true).how, ScanoutRead::unsupported);
  d.width = 100000;
  EXPECT_EQ(plan_scanout(d, true).how, ScanoutRead::unsupported);
}

TEST(ScanoutPlan, ModifierNames) {
  EXPECT_EQ(modifier_name(DRM_FORMAT_MOD_LINEAR), "LINEAR");
  const std::string y = modifier_name(I915_FORMAT_MOD_Y_TILED);
  EXPECT_NE(y.find("INTEL"), std::string::npos) << y;
  EXPECT_NE(y.find("Y_TILED"), std::string::npos) << y;
  EXPECT_NE(modifier_name(0x00ffffffffffff12ull).find("0x00ffffffffffff12"), std::string::npos);
}

}  // namespace
}  // namespace kagami::capture
