#include "setup/size.h"

#include <fmt/format.h>

#include <charconv>

#include "protocol/kvmfr_frame.h"

namespace kagami::setup {
namespace {

Result<std::uint64_t> parse_number(std::string_view text, std::string_view what) {
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end == text.data()) {
    return Error{fmt::format("'{}' is not a number ({})", text, what)};
  }
  if (end != text.data() + text.size()) {
    return Error{fmt::format("unexpected '{}' after the number in '{}' ({})",
                             std::string_view(end, text.data() + text.size() - end), text, what)};
  }
  return value;
}

double as_mib(std::uint64_t bytes) { return static_cast<double>(bytes) / static_cast<double>(kMiB); }

}  // namespace

Result<Resolution> parse_resolution(std::string_view text) {
  auto x = text.find_first_of("xX");
  if (x == std::string_view::npos) {
    return Error{fmt::format("'{}' is not a resolution: write WIDTHxHEIGHT, e.g. 1920x1080", text)};
  }
  auto width = parse_number(text.substr(0, x), "resolution width");
  if (!width) return width.error();
  auto height = parse_number(text.substr(x + 1), "resolution height");
  if (!height) return height.error();
  if (*width == 0 || *height == 0 || *width > 16384 || *height > 16384) {
    return Error{fmt::format("resolution '{}' out of range: each side must be 1..16384", text)};
  }
  return Resolution{static_cast<std::uint32_t>(*width), static_cast<std::uint32_t>(*height)};
}

Result<std::uint64_t> parse_size(std::string_view text) {
  std::uint64_t unit = kMiB;
  std::string_view digits = text;
  auto suffix_at = text.find_first_not_of("0123456789");
  if (suffix_at != std::string_view::npos) {
    std::string_view suffix = text.substr(suffix_at);
    digits = text.substr(0, suffix_at);
    if (suffix == "B")
      unit = 1;
    else if (suffix == "K" || suffix == "KiB")
      unit = 1024;
    else if (suffix == "M" || suffix == "MiB")
      unit = kMiB;
    else if (suffix == "G" || suffix == "GiB")
      unit = 1024 * kMiB;
    else
      return Error{fmt::format("size '{}': unknown unit '{}' (use B, K, M or G; plain numbers are MiB)", text,
                               suffix)};
  }
  auto value = parse_number(digits, "size");
  if (!value) return value.error();
  if (*value == 0 || *value > (std::uint64_t{1} << 40) / unit) {
    return Error{fmt::format("size '{}' out of range", text)};
  }
  return *value * unit;
}

RegionSizeCalc region_size_for(Resolution resolution, bool hdr) {
  RegionSizeCalc calc;
  calc.resolution = resolution;
  calc.hdr = hdr;
  calc.bytes_per_pixel = hdr ? 8 : 4;
  calc.frame_bytes = std::uint64_t{resolution.width} * resolution.height * calc.bytes_per_pixel;
  calc.needed_bytes = calc.frame_bytes * 2 + 10 * kMiB;
  // The number itself comes from the protocol layer, the formula's one implementation.
  calc.region_bytes = protocol::recommended_region_size(resolution.width, resolution.height, hdr);
  return calc;
}

std::string explain_region_size(const RegionSizeCalc& calc) {
  const auto& r = calc.resolution;
  std::string text = fmt::format(
      "{}x{} {}: {} MiB\n"
      "  one frame     {} x {} pixels x {} bytes ({}) = {} bytes\n"
      "  two frames    (the agent writes one while the client reads the other) = {:.2f} MiB\n"
      "  + 10 MiB      cursor shapes, LGMP queues and headers                 = {:.2f} MiB\n"
      "  rounded up to a power of two (QEMU's ivshmem BAR must be one)      = {} MiB\n",
      r.width, r.height, calc.hdr ? "HDR" : "SDR", calc.region_bytes / kMiB, r.width, r.height,
      calc.bytes_per_pixel, calc.hdr ? "RGBA16F" : "BGRA", calc.frame_bytes, as_mib(calc.frame_bytes * 2),
      as_mib(calc.needed_bytes), calc.region_bytes / kMiB);
  if (calc.region_bytes > kMaxRegionBytes) {
    text += fmt::format(
        "  warning: more than {} MiB; Looking Glass B7 clients cannot map it (its size is a C int)\n",
        kMaxRegionBytes / kMiB);
  }
  text += fmt::format(
      "Use it: `kagami-setup shm --size {0}M`, `kagami-setup libvirt DOMAIN --size {0}M`,\n"
      "        or QEMU `-object memory-backend-file,...,size={0}M`.\n",
      calc.region_bytes / kMiB);
  return text;
}

}  // namespace kagami::setup
