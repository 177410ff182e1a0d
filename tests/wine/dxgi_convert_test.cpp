// The DXGI Desktop Duplication logic on inputs laid out as the API delivers them (the API itself
// does not run under Wine: DuplicateOutput returns E_NOTIMPL there).
#include "capture/dxgi/dxgi_convert.h"

#include <gtest/gtest.h>

#include <vector>

namespace kagami::capture::dxgi {
namespace {

static_assert(sizeof(DxRect) == 16 && sizeof(MoveRect) == 24, "RECT and DXGI_OUTDUPL_MOVE_RECT layouts");

TEST(DxgiFormat, EightBitFormatsAreSdr) {
  auto bgra = pixel_layout(Format::b8g8r8a8_unorm, ColorSpace::rgb_full_g22_none_p709);
  ASSERT_TRUE(bgra);
  EXPECT_EQ(bgra->type, protocol::FrameType::bgra);
  EXPECT_EQ(bgra->bytes_per_pixel, 4u);
  EXPECT_FALSE(bgra->hdr);
  EXPECT_EQ(pixel_layout(Format::r8g8b8a8_unorm, ColorSpace::rgb_full_g22_none_p709)->type,
            protocol::FrameType::rgba);
}

TEST(DxgiFormat, HdrFormatsCarryTheirFlags) {
  auto hdr10 = pixel_layout(Format::r10g10b10a2_unorm, ColorSpace::rgb_full_g2084_none_p2020);
  ASSERT_TRUE(hdr10);
  EXPECT_EQ(hdr10->type, protocol::FrameType::rgba10);
  EXPECT_TRUE(hdr10->hdr);
  EXPECT_TRUE(hdr10->hdr_pq);
  auto sdr10 = pixel_layout(Format::r10g10b10a2_unorm, ColorSpace::rgb_full_g22_none_p709);
  EXPECT_FALSE(sdr10->hdr);
  auto scrgb = pixel_layout(Format::r16g16b16a16_float, ColorSpace::rgb_full_g10_none_p709);
  ASSERT_TRUE(scrgb);
  EXPECT_EQ(scrgb->type, protocol::FrameType::rgba16f);
  EXPECT_EQ(scrgb->bytes_per_pixel, 8u);
  EXPECT_TRUE(scrgb->hdr);
  EXPECT_FALSE(scrgb->hdr_pq);
}

TEST(DxgiFormat, UnknownFormatIsAnError) {
  auto r = pixel_layout(static_cast<Format>(2), ColorSpace::rgb_full_g22_none_p709);  // R32G32B32A32_FLOAT
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("format 2"), std::string::npos);
}

TEST(DxgiFormat, Rotation) {
  EXPECT_EQ(frame_rotation(Rotation::identity), protocol::FrameRotation::r0);
  EXPECT_EQ(frame_rotation(Rotation::unspecified), protocol::FrameRotation::r0);
  EXPECT_EQ(frame_rotation(Rotation::rotate90), protocol::FrameRotation::r90);
  EXPECT_EQ(frame_rotation(Rotation::rotate270), protocol::FrameRotation::r270);
}

TEST(DxgiDamage, WindowDragGivesMoveDestinationAndUncoveredArea) {
  // A 300x200 window dragged 50 px right at 1920x1080: DXGI reports one move rect and the
  // strip the window uncovered as dirty.
  const MoveRect moves[] = {{100, 100, {150, 100, 450, 300}}};
  const DxRect dirty[] = {{100, 100, 150, 300}};
  EXPECT_EQ(damage_from_metadata(moves, dirty, 1920, 1080),
            (std::vector<Rect>{{150, 100, 300, 200}, {100, 100, 50, 200}}));
}

TEST(DxgiDamage, RectsAreClippedAndEmptyOnesDropped) {
  const DxRect dirty[] = {{-10, -10, 20, 20}, {1900, 1070, 2000, 1200}, {5, 5, 5, 50}, {3000, 0, 3100, 10}};
  EXPECT_EQ(damage_from_metadata({}, dirty, 1920, 1080),
            (std::vector<Rect>{{0, 0, 20, 20}, {1900, 1070, 20, 10}}));
}

TEST(DxgiPointer, MonochromeShapeIsRepackedToATightPitch) {
  // The classic I-beam: 32x32 visible, so 32x64 with AND rows then XOR rows, pitch 4 (tight).
  // Here a 10-pixel-wide shape with DXGI's pitch of 4 bytes becomes pitch 2.
  std::vector<std::uint8_t> buffer(4 * 4);
  for (std::size_t i = 0; i < buffer.size(); ++i) buffer[i] = static_cast<std::uint8_t>(i + 1);
  auto shape = cursor_shape_from_dxgi({1, 10, 4, 4, 2, 1}, buffer);
  ASSERT_TRUE(shape) << shape.error().message;
  EXPECT_EQ(shape->type, protocol::CursorType::monochrome);
  EXPECT_EQ(shape->height, 4u);
  EXPECT_EQ(shape->pitch, 2u);
  EXPECT_EQ(shape->data, (std::vector<std::uint8_t>{1, 2, 5, 6, 9, 10, 13, 14}));
  EXPECT_EQ(shape->hotspot_x, 2);
  EXPECT_EQ(shape->hotspot_y, 1);
}

TEST(DxgiPointer, ColorAndMaskedColorKeepTheirType) {
  const std::vector<std::uint8_t> buffer(2 * 8, 0x40);
  auto color = cursor_shape_from_dxgi({2, 2, 2, 8, 0, 0}, buffer);
  ASSERT_TRUE(color);
  EXPECT_EQ(color->type, protocol::CursorType::color);
  EXPECT_EQ(color->data, buffer);
  auto masked = cursor_shape_from_dxgi({4, 2, 2, 8, 0, 0}, buffer);
  ASSERT_TRUE(masked);
  EXPECT_EQ(masked->type, protocol::CursorType::masked_color);
}

TEST(DxgiPointer, BadShapesAreRejectedWithAReason) {
  const std::vector<std::uint8_t> buffer(64, 0);
  EXPECT_NE(cursor_shape_from_dxgi({3, 2, 2, 8, 0, 0}, buffer).error().message.find("unknown"),
            std::string::npos);
  EXPECT_FALSE(cursor_shape_from_dxgi({2, 600, 2, 2400, 0, 0}, buffer));  // too wide
  EXPECT_FALSE(cursor_shape_from_dxgi({2, 4, 5, 16, 0, 0}, buffer));      // 64 bytes < 5 rows of 16
  EXPECT_FALSE(cursor_shape_from_dxgi({2, 4, 2, 8, 0, 0}, buffer));       // pitch < width * 4
  EXPECT_FALSE(cursor_shape_from_dxgi({1, 8, 3, 1, 0, 0}, buffer));       // odd monochrome height
}

TEST(DxgiPointer, PositionOnlyWhenTheMouseUpdated) {
  EXPECT_FALSE(pointer_update({0, 10, 20, true}));
  auto update = pointer_update({12345, -5, 70000, true});
  ASSERT_TRUE(update);
  EXPECT_TRUE(update->has_position);
  EXPECT_EQ(update->x, -5);
  EXPECT_EQ(update->y, 32767);  // clamped to KVMFR's int16
  EXPECT_TRUE(update->visible);
  EXPECT_FALSE(update->shape);
}

std::vector<OutputInfo> vm_with_gpu(bool gpu_primary) {
  OutputInfo qxl{0, 0, "Red Hat QXL controller", "\\\\.\\DISPLAY1", true, {0, 0, 1024, 768}, false};
  OutputInfo gpu{1, 0, "NVIDIA GeForce RTX 3070", "\\\\.\\DISPLAY2", true, {1024, 0, 2944, 1080}, false};
  if (gpu_primary) {
    qxl.desktop = {-1024, 0, 0, 768};
    gpu.desktop = {0, 0, 1920, 1080};
  }
  return {qxl, gpu};
}

bool has_warning(const OutputChoice& choice) {
  for (const auto& n : choice.notices) {
    if (n.starts_with("warning")) return true;
  }
  return false;
}

TEST(DxgiOutput, DefaultIsThePrimaryOutput) {
  auto choice = choose_output(vm_with_gpu(true), "", "");
  ASSERT_TRUE(choice);
  EXPECT_EQ(choice->index, 1u);
  EXPECT_FALSE(has_warning(*choice));
}

TEST(DxgiOutput, WarnsWhenThePrimaryIsTheVirtualDisplay) {
  auto choice = choose_output(vm_with_gpu(false), "", "");
  ASSERT_TRUE(choice);
  EXPECT_EQ(choice->index, 0u);
  ASSERT_TRUE(has_warning(*choice));
  EXPECT_NE(choice->notices.back().find("--output \\\\.\\DISPLAY2"), std::string::npos)
      << choice->notices.back();
}

TEST(DxgiOutput, ChosenByIndexDeviceNameOrAdapterName) {
  const auto outputs = vm_with_gpu(false);
  EXPECT_EQ(choose_output(outputs, "1", "")->index, 1u);
  EXPECT_EQ(choose_output(outputs, "\\\\.\\display2", "")->index, 1u);
  EXPECT_EQ(choose_output(outputs, "geforce", "")->index, 1u);
  EXPECT_FALSE(has_warning(*choose_output(outputs, "geforce", "")));
  auto missing = choose_output(outputs, "7", "");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("#1 \\\\.\\DISPLAY2"), std::string::npos) << missing.error().message;
  EXPECT_FALSE(choose_output(outputs, "radeon", ""));
}

TEST(DxgiOutput, ExpectedGpuNameOverridesTheHeuristic) {
  auto choice = choose_output(vm_with_gpu(true), "", "radeon");
  ASSERT_TRUE(choice);
  ASSERT_TRUE(has_warning(*choice));
  EXPECT_NE(choice->notices.back().find("no adapter matches 'radeon'"), std::string::npos)
      << choice->notices.back();
}

TEST(DxgiOutput, NoOutputsTellsAboutTheDummyPlug) {
  auto none = choose_output({}, "", "");
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message.find("dummy plug"), std::string::npos);
}

// The record a region carries: the output's place in the Windows desktop (left of the primary:
// negative x), the box around all attached outputs, and an encoding the viewer accepts.
TEST(DxgiOutput, RecordPlacesTheOutputInTheVirtualDesktop) {
  const auto outputs = vm_with_gpu(true);  // QXL at -1024,0 1024x768; the GPU primary 1920x1080
  auto left = output_record(outputs, 0);
  ASSERT_TRUE(left) << left.error().message;
  EXPECT_EQ(left->name, "\\\\.\\DISPLAY1");
  EXPECT_EQ(left->rect, (protocol::OutputRect{-1024, 0, 1024, 768}));
  EXPECT_EQ(left->desktop, (protocol::OutputRect{-1024, 0, 2944, 1080}));
  EXPECT_EQ(left->index, 0u);
  EXPECT_EQ(left->count, 2u);
  auto primary = output_record(outputs, 1);
  ASSERT_TRUE(primary);
  EXPECT_EQ(primary->rect, (protocol::OutputRect{0, 0, 1920, 1080}));
  EXPECT_EQ(primary->index, 1u);
  auto parsed = protocol::parse_output(protocol::encode_output(*left));
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(*parsed, *left);
}

TEST(DxgiOutput, RecordLeavesOutDetachedOutputsAndRefusesAnEmptyOne) {
  auto outputs = vm_with_gpu(true);
  outputs[0].attached = false;  // still listed, not part of the desktop
  auto primary = output_record(outputs, 1);
  ASSERT_TRUE(primary);
  EXPECT_EQ(primary->desktop, (protocol::OutputRect{0, 0, 1920, 1080}));
  outputs[0].desktop = {0, 0, 0, 0};
  auto empty = output_record(outputs, 0);
  ASSERT_FALSE(empty);
  EXPECT_NE(empty.error().message.find("is it attached"), std::string::npos) << empty.error().message;
  EXPECT_FALSE(output_record(outputs, 2));
}

TEST(DxgiOutput, VirtualAdapters) {
  EXPECT_TRUE(is_virtual_adapter("Red Hat QXL controller"));
  EXPECT_TRUE(is_virtual_adapter("Microsoft Basic Display Adapter"));
  EXPECT_TRUE(is_virtual_adapter("Red Hat VirtIO GPU DOD controller"));
  EXPECT_FALSE(is_virtual_adapter("AMD Radeon RX 6800 XT"));
}

}  // namespace
}  // namespace kagami::capture::dxgi
