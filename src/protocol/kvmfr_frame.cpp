#include "protocol/kvmfr_frame.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include <fmt/format.h>

#include "protocol/shared_atomic.h"

namespace kagami::protocol {

std::uint32_t bytes_per_texel(FrameType type) {
  switch (type) {
    case FrameType::bgra:
    case FrameType::rgba:
    case FrameType::rgba10:
    case FrameType::bgr_32: return 4;
    case FrameType::rgba16f: return 8;
    case FrameType::rgb_24: return 3;
    case FrameType::invalid: break;
  }
  return 0;
}

const char* frame_type_name(FrameType type) {
  switch (type) {
    case FrameType::bgra: return "BGRA";
    case FrameType::rgba: return "RGBA";
    case FrameType::rgba10: return "RGBA10";
    case FrameType::rgba16f: return "RGBA16F";
    case FrameType::bgr_32: return "BGR_32";
    case FrameType::rgb_24: return "RGB_24";
    case FrameType::invalid: break;
  }
  return "INVALID";
}

std::uint64_t recommended_region_size(std::uint32_t width, std::uint32_t height, bool hdr) {
  const std::uint64_t frame_bytes = std::uint64_t{width} * height * (hdr ? 8 : 4);
  // 2^ceil(log2(x)) for x = two frames in MiB + 10 is the smallest power of two >= ceil(x).
  constexpr std::uint64_t kMiB = 1 << 20;
  const std::uint64_t needed_mib = (frame_bytes * 2 + 10 * kMiB + kMiB - 1) / kMiB;
  return std::bit_ceil(needed_mib) * kMiB;
}

Result<ValidatedFrame> validate_frame(std::span<const std::byte> region, const LgmpMessage& msg) {
  const std::uint64_t room = payload_bytes(region, msg);
  if (room < sizeof(KvmfrFrame))
    return Error{fmt::format("frame message of {} bytes is smaller than a frame header ({} bytes)", room,
                             sizeof(KvmfrFrame))};
  KvmfrFrame f;  // the one read of the header (untrusted-input.md rule a)
  std::memcpy(&f, region.data() + msg.offset, sizeof f);

  ValidatedFrame v;
  v.format_ver = f.format_ver;
  v.frame_serial = f.frame_serial;
  const auto type_value = static_cast<std::uint32_t>(f.type);
  if (type_value == 0 || type_value >= kFrameTypeMax)
    return Error{fmt::format("unknown frame type {}: the agent is newer than this client or broken", type_value)};
  v.type = f.type;
  const std::uint32_t bpt = bytes_per_texel(v.type);

  const auto dims_ok = [](std::uint32_t w, std::uint32_t h) {
    return w > 0 && h > 0 && w <= kMaxFrameDimension && h <= kMaxFrameDimension;
  };
  if (!dims_ok(f.screen_width, f.screen_height) || !dims_ok(f.frame_width, f.frame_height) ||
      !dims_ok(f.data_width, f.data_height))
    return Error{fmt::format("impossible frame geometry: screen {}x{}, frame {}x{}, data {}x{} (each must be "
                             "1..{})", f.screen_width, f.screen_height, f.frame_width, f.frame_height,
                             f.data_width, f.data_height, kMaxFrameDimension)};
  v.screen_width = f.screen_width;
  v.screen_height = f.screen_height;
  v.frame_width = f.frame_width;
  v.frame_height = f.frame_height;
  v.data_width = f.data_width;
  v.data_height = f.data_height;
  v.rotation = static_cast<std::uint32_t>(f.rotation) <= 3 ? f.rotation : FrameRotation::r0;
  v.flags = f.flags;

  const std::uint64_t stride = f.stride ? f.stride : f.data_width;
  const std::uint64_t pitch = f.pitch ? f.pitch : stride * bpt;
  if (pitch > 0xffffffffull || stride * bpt > pitch || std::uint64_t{f.data_width} * bpt > pitch)
    return Error{fmt::format("frame rows do not fit their pitch: data width {} texels, stride {}, pitch {} bytes",
                             f.data_width, stride, pitch)};
  v.stride = static_cast<std::uint32_t>(stride);
  v.pitch = static_cast<std::uint32_t>(pitch);
  if (v.type == FrameType::bgr_32 && std::uint64_t{f.frame_width} * 3 > pitch)
    return Error{fmt::format("packed 24-bit rows of {} pixels do not fit a pitch of {} bytes", f.frame_width, pitch)};

  v.data_size = std::uint64_t{f.data_height} * pitch;
  const std::uint64_t wp_offset = std::uint64_t{msg.offset} + f.offset;
  if (f.offset < sizeof(KvmfrFrame) || wp_offset % 4 != 0 ||
      std::uint64_t{f.offset} + kFrameBufferHeaderSize + v.data_size > room)
    return Error{fmt::format("frame data ({} rows of {} bytes at header offset {}) lies outside its {}-byte "
                             "buffer", f.data_height, pitch, f.offset, room)};
  v.wp_offset = wp_offset;
  v.pixels_offset = wp_offset + kFrameBufferHeaderSize;

  if (f.damage_rects_count > kMaxDamageRects)
    return Error{fmt::format("frame claims {} damage rects; KVMFR allows at most {}", f.damage_rects_count,
                             kMaxDamageRects)};
  for (std::uint32_t i = 0; i < f.damage_rects_count; ++i) {
    FrameDamageRect r = f.damage_rects[i];
    if (r.x >= v.frame_width || r.y >= v.frame_height) continue;
    r.width = std::min(r.width, v.frame_width - r.x);
    r.height = std::min(r.height, v.frame_height - r.y);
    if (r.width && r.height) v.damage.push_back(r);
  }
  // Rects that were all outside the frame leave the damage unknown: redraw everything.
  return v;
}

std::uint64_t frame_bytes_ready(std::span<std::byte> region, const ValidatedFrame& frame) {
  auto& wp = *reinterpret_cast<std::uint32_t*>(region.data() + frame.wp_offset);
  return std::min<std::uint64_t>(atomic_load(wp), frame.data_size);
}

bool wait_frame_bytes(std::span<std::byte> region, const ValidatedFrame& frame, std::uint64_t bytes,
                      Clock& clock, std::uint64_t timeout_ms) {
  bytes = std::min(bytes, frame.data_size);
  if (frame_bytes_ready(region, frame) >= bytes) return true;
  const std::uint64_t deadline = clock.now_ms() + timeout_ms;
  for (std::uint32_t i = 1;; ++i) {
    if (frame_bytes_ready(region, frame) >= bytes) return true;
    if (i % 256 == 0 && clock.now_ms() >= deadline) return false;
    spin_pause(i);
  }
}

}  // namespace kagami::protocol
