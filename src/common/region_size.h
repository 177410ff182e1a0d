#pragma once
// The one rule for which region sizes kagami accepts: kagami-agent (KvmfrHost::setup),
// kagami-client (when it opens the region) and `kagami-setup doctor` all ask here, so doctor never
// says "ok" for a region a program then refuses.
//
// - At least kMinimumRegion: the host's fixed layout (LGMP header, two queues, 20 cursor-position
//   buffers and 3 cursor-shape buffers of 1 MiB each) takes a little over 3 MiB before any frame
//   buffer; 4 MiB is the smallest power of two (what QEMU's ivshmem BAR needs) that leaves room
//   for two small frame buffers. Real use wants more: `kagami-setup size WxH`.
// - LGMP describes the region with 32-bit offsets and sizes (Looking Glass B7 takes the size as a
//   uint32), so at most kLgmpLimit bytes of it are used: a 4 GiB region loses its last page, an
//   8 GiB one its second half. Such regions work (lgmp_usable_bytes), with a note.
#include <cstdint>
#include <optional>
#include <string>

namespace kagami {

inline constexpr std::uint64_t kMinimumRegion = 4ull * 1024 * 1024;
inline constexpr std::uint64_t kLgmpLimit = 0xFFFFF000ull;  // 4 GiB - 4 KiB: page-aligned, fits a uint32

// The bytes of a `bytes`-long region that LGMP lays out and addresses.
constexpr std::uint64_t lgmp_usable_bytes(std::uint64_t bytes) {
  return bytes < kLgmpLimit ? bytes : kLgmpLimit;
}

// Why a region of this size cannot be used ("the region is 1 MiB; kagami needs at least 4 MiB ..."),
// or nothing when it can.
std::optional<std::string> region_size_problem(std::uint64_t bytes);

// Something to tell the user about a usable size (only part of it used), or nothing.
std::optional<std::string> region_size_note(std::uint64_t bytes);

// "4 MiB", "8 GiB", "12345 bytes".
std::string format_region_bytes(std::uint64_t bytes);

}  // namespace kagami
