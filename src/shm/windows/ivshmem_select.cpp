#include "shm/windows/ivshmem_select.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace kagami::shm {
namespace {

constexpr std::string_view kPrefix = "ivshmem";

std::string mib(std::uint64_t bytes) {
  if (bytes == 0) return "size unknown";
  return fmt::format("{} MiB", bytes / (1024 * 1024));
}

std::string list_devices(const std::vector<IvshmemDevice>& sorted) {
  std::string out = fmt::format("{} IVSHMEM device(s):", sorted.size());
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    out += fmt::format(" #{} {}{}", i, describe_ivshmem_device(sorted[i]), i + 1 < sorted.size() ? ";" : "");
  }
  return out;
}

}  // namespace

bool is_ivshmem_spec(std::string_view spec) {
  return spec == kPrefix ||
         (spec.size() > kPrefix.size() && spec.substr(0, kPrefix.size() + 1) == "ivshmem:");
}

Result<IvshmemSelector> parse_ivshmem_spec(std::string_view spec) {
  if (!is_ivshmem_spec(spec)) return Error{fmt::format("'{}' is not an IVSHMEM device choice", spec)};
  IvshmemSelector selector;
  if (spec == kPrefix) return selector;
  const std::string_view arg = spec.substr(kPrefix.size() + 1);
  std::uint64_t number = 0;
  const auto [end, ec] = std::from_chars(arg.data(), arg.data() + arg.size(), number);
  const std::string_view suffix(end, static_cast<std::size_t>(arg.data() + arg.size() - end));
  const auto bad = [&] {
    return Error{
        fmt::format("'{}': after 'ivshmem:' give a device index (ivshmem:1) or a size (ivshmem:64M, "
                    "ivshmem:1G)",
                    spec)};
  };
  if (ec != std::errc{} || end == arg.data()) return bad();
  if (suffix.empty()) {
    selector.index = static_cast<std::size_t>(number);
  } else if (suffix == "M" || suffix == "MiB") {
    selector.size = number << 20;
  } else if (suffix == "G" || suffix == "GiB") {
    selector.size = number << 30;
  } else {
    return bad();
  }
  return selector;
}

void sort_ivshmem_devices(std::vector<IvshmemDevice>& devices) {
  const auto key = [](const IvshmemDevice& d) { return (std::uint64_t{d.bus} << 32) | d.address; };
  std::stable_sort(devices.begin(), devices.end(),
                   [&](const IvshmemDevice& a, const IvshmemDevice& b) { return key(a) < key(b); });
}

Result<std::size_t> select_ivshmem_device(const std::vector<IvshmemDevice>& sorted,
                                          const IvshmemSelector& selector) {
  if (sorted.empty()) return Error{"no IVSHMEM device"};
  if (selector.size) {
    for (std::size_t i = 0; i < sorted.size(); ++i) {
      if (sorted[i].size == *selector.size) return i;
    }
    return Error{fmt::format("no IVSHMEM device of {}: {}", mib(*selector.size), list_devices(sorted))};
  }
  const std::size_t index = selector.index.value_or(0);
  if (index >= sorted.size()) {
    return Error{fmt::format("there is no IVSHMEM device #{}: {}", index, list_devices(sorted))};
  }
  return index;
}

std::string describe_ivshmem_device(const IvshmemDevice& device) {
  std::string where = device.bus == 0xFFFF ? std::string("bus ?") : fmt::format("bus {}", device.bus);
  if (device.address == 0xFFFFFFFF) {
    where += ", address ?";
  } else {
    where += fmt::format(", device {}, function {}", device.address >> 16, device.address & 0xFFFF);
  }
  return fmt::format("{}, {}", where, mib(device.size));
}

}  // namespace kagami::shm
