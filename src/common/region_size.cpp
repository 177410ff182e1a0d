#include "common/region_size.h"

#include <fmt/format.h>

namespace kagami {

std::string format_region_bytes(std::uint64_t bytes) {
  constexpr std::uint64_t kMiB = 1024 * 1024, kGiB = kMiB * 1024;
  if (bytes != 0 && bytes % kGiB == 0) return fmt::format("{} GiB", bytes / kGiB);
  if (bytes != 0 && bytes % kMiB == 0) return fmt::format("{} MiB", bytes / kMiB);
  if (bytes % 1024 == 0 && bytes != 0) return fmt::format("{} KiB", bytes / 1024);
  return fmt::format("{} bytes", bytes);
}

std::optional<std::string> region_size_problem(std::uint64_t bytes) {
  if (bytes >= kMinimumRegion) return std::nullopt;
  return fmt::format(
      "the region is {}; kagami needs at least {} (LGMP's queues and cursor buffers take 3 MiB before any "
      "frame), and 32 MiB for 1920x1080 (`kagami-setup size WxH`)",
      format_region_bytes(bytes), format_region_bytes(kMinimumRegion));
}

std::optional<std::string> region_size_note(std::uint64_t bytes) {
  if (bytes <= kLgmpLimit) return std::nullopt;
  return fmt::format(
      "the region is {}, but LGMP addresses only its first 4 GiB less one page (32-bit offsets); the rest "
      "is unused, and 128 MiB is enough for 3840x2160 (`kagami-setup size WxH`)",
      format_region_bytes(bytes));
}

}  // namespace kagami
