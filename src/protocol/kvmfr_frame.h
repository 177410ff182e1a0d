#pragma once
// Frame messages (kvmfr-v20.md §4): format helpers for both sides and the client's
// validation of an untrusted KVMFRFrame (untrusted-input.md §3).
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "protocol/kvmfr_layout.h"
#include "protocol/lgmp_client.h"

namespace kagami::protocol {

inline constexpr std::uint32_t kMaxFrameDimension = 16384;

// Bytes per buffer texel: 4 for BGRA/RGBA/RGBA10/BGR_32, 8 for RGBA16F, 3 for RGB_24; 0 if invalid.
std::uint32_t bytes_per_texel(FrameType type);
const char* frame_type_name(FrameType type);

// The region size (bytes, a power of two) the reference's formula gives for a W x H guest
// (kvmfr-v20.md §8): 2^ceil(log2(W*H*bpp*2/MiB + 10)) MiB, bpp 4 (SDR) or 8 (HDR).
std::uint64_t recommended_region_size(std::uint32_t width, std::uint32_t height, bool hdr);

// A frame message after validation: every value copied out of the region once and checked.
struct ValidatedFrame {
  std::uint32_t format_ver = 0;
  std::uint32_t frame_serial = 0;
  FrameType type = FrameType::invalid;
  std::uint32_t screen_width = 0, screen_height = 0;
  std::uint32_t data_width = 0, data_height = 0;    // buffer texels / rows present
  std::uint32_t frame_width = 0, frame_height = 0;  // displayed size
  FrameRotation rotation = FrameRotation::r0;       // unknown values become r0
  std::uint32_t stride = 0;  // texels per row (derived when 0 on the wire)
  std::uint32_t pitch = 0;   // bytes per row (derived when 0 on the wire)
  std::uint32_t flags = 0;
  // Damage in frame pixels, clipped to the frame; empty means the whole frame.
  std::vector<FrameDamageRect> damage;
  std::uint64_t wp_offset = 0;      // shm offset of the write pointer
  std::uint64_t pixels_offset = 0;  // shm offset of row 0
  std::uint64_t data_size = 0;      // data_height * pitch, all inside the region
};

// Reads the KVMFRFrame at msg.offset once, checks every field against the message and the
// region, and says what is wrong otherwise.
Result<ValidatedFrame> validate_frame(std::span<const std::byte> region, const LgmpMessage& msg);

// The write pointer of a validated frame: how many pixel bytes the agent has written so far
// (never more than data_size, whatever the region says).
std::uint64_t frame_bytes_ready(std::span<std::byte> region, const ValidatedFrame& frame);

// Waits until at least `bytes` pixel bytes are written: spins, then yields. False after
// timeout_ms on `clock` (the agent stalled; the caller shows what it has).
bool wait_frame_bytes(std::span<std::byte> region, const ValidatedFrame& frame, std::uint64_t bytes,
                      Clock& clock, std::uint64_t timeout_ms);

}  // namespace kagami::protocol
