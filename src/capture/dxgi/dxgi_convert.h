#pragma once
// The parts of DXGI Desktop Duplication that need no API: formats, damage, pointer shapes and
// the choice of output. The enums mirror the numeric values of dxgiformat.h, dxgicommon.h and
// dxgi1_2.h so this file needs no OS header and is unit-tested natively with recorded inputs.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "capture/capture.h"
#include "common/result.h"
#include "protocol/kvmfr_cursor.h"
#include "protocol/kvmfr_output.h"

namespace kagami::capture::dxgi {

enum class Format : std::uint32_t {  // DXGI_FORMAT
  r16g16b16a16_float = 10,
  r10g10b10a2_unorm = 24,
  r8g8b8a8_unorm = 28,
  b8g8r8a8_unorm = 87,
};

enum class ColorSpace : std::uint32_t {  // DXGI_COLOR_SPACE_TYPE
  rgb_full_g22_none_p709 = 0,            // sRGB: SDR
  rgb_full_g10_none_p709 = 1,            // scRGB linear: HDR in FP16
  rgb_full_g2084_none_p2020 = 12,        // HDR10 (PQ)
};

enum class Rotation : std::uint32_t {
  unspecified = 0,
  identity = 1,
  rotate90 = 2,
  rotate180 = 3,
  rotate270 = 4
};

struct DxRect {  // RECT
  std::int32_t left = 0, top = 0, right = 0, bottom = 0;
};

struct MoveRect {  // DXGI_OUTDUPL_MOVE_RECT
  std::int32_t source_x = 0, source_y = 0;
  DxRect destination;
};

enum class PointerShapeType : std::uint32_t { monochrome = 1, color = 2, masked_color = 4 };

struct PointerShapeInfo {  // DXGI_OUTDUPL_POINTER_SHAPE_INFO
  std::uint32_t type = 0;
  std::uint32_t width = 0, height = 0, pitch = 0;  // monochrome: height = 2 * visible rows
  std::int32_t hotspot_x = 0, hotspot_y = 0;
};

struct PixelLayout {
  protocol::FrameType type = protocol::FrameType::bgra;
  std::uint32_t bytes_per_pixel = 4;
  bool hdr = false;
  bool hdr_pq = false;
};

// The KVMFR frame type for a duplicated surface: BGRA/RGBA for 8-bit, RGBA10 (HDR10 when the
// output's color space is PQ), RGBA16F (scRGB HDR). Errors name the format.
Result<PixelLayout> pixel_layout(Format format, ColorSpace color_space);
protocol::FrameRotation frame_rotation(Rotation rotation);

// Damage for one acquired frame: each move's destination and each dirty rect, clipped to
// width x height; empty rects are dropped. Rects are in the duplicated surface's pixels.
std::vector<Rect> damage_from_metadata(std::span<const MoveRect> moves, std::span<const DxRect> dirty,
                                       std::uint32_t width, std::uint32_t height);

// The KVMFR shape of a DXGI pointer shape buffer, copied into a tight pitch. Errors say why a
// shape cannot be sent (unknown type, larger than 512x512, buffer shorter than claimed).
Result<protocol::CursorShape> cursor_shape_from_dxgi(const PointerShapeInfo& info,
                                                     std::span<const std::uint8_t> buffer);

// From DXGI_OUTDUPL_FRAME_INFO: LastMouseUpdateTime != 0 means the position/visibility are new.
// A shape (if any) is added by the caller. nullopt when the pointer did not change.
struct PointerPosition {
  std::int64_t last_mouse_update_time = 0;
  std::int32_t x = 0, y = 0;  // top-left of the shape, relative to the output
  bool visible = false;
};
std::optional<protocol::CursorUpdate> pointer_update(const PointerPosition& position);

// One output (monitor) of one adapter, as IDXGIFactory1 enumerates them.
struct OutputInfo {
  std::uint32_t adapter_index = 0, output_index = 0;
  std::string adapter;      // DXGI_ADAPTER_DESC1::Description, e.g. "NVIDIA GeForce RTX 3070"
  std::string device_name;  // DXGI_OUTPUT_DESC::DeviceName, e.g. "\\.\DISPLAY1"
  bool attached = false;    // part of the desktop
  DxRect desktop;           // desktop coordinates; the primary output has its top-left at (0, 0)
  bool software = false;    // DXGI_ADAPTER_FLAG_SOFTWARE (Basic Render Driver)
};

struct OutputChoice {
  std::size_t index = 0;             // into the list given
  std::vector<std::string> notices;  // for the log: why this one, and warnings for the user
};

// `wanted`: "" = the primary output; a number = that index in enumeration order; otherwise a
// device name ("\\.\DISPLAY2") or a case-insensitive part of the adapter's name.
// `expected_gpu`: a part of the passed-through GPU's name; when empty, any adapter that is not a
// virtual display (QXL, virtio, Basic Display/Render, Bochs, VMware) counts as expected.
Result<OutputChoice> choose_output(const std::vector<OutputInfo>& outputs, std::string_view wanted,
                                   std::string_view expected_gpu);

// The region's output record (KGMO) for outputs[index]: its device name, its rectangle in the
// Windows virtual desktop (the primary at 0,0; others may lie at negative coordinates), the box
// around every attached output, its index in `outputs` and their count. An error for an output
// whose rectangle is empty (detached) or beyond what the record carries. The GDI backend uses it
// too, with one OutputInfo per monitor.
Result<protocol::OutputInfo> output_record(const std::vector<OutputInfo>& outputs, std::size_t index);

// QXL, virtio-gpu, Microsoft Basic Display/Render, Bochs, VMware SVGA: displays of the VM itself.
bool is_virtual_adapter(std::string_view adapter);

}  // namespace kagami::capture::dxgi
