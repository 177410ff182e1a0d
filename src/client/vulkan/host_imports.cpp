#include "client/vulkan/host_imports.h"

#include <fmt/format.h>

#include <algorithm>

namespace kagami::client::vk {

Result<ImportedSpan> HostImports::find(std::span<const std::byte> region, std::uint64_t offset,
                                       std::uint64_t size) {
  if (!device_.host_import) return Error{device_.host_import_note};
  if (!refused_.empty()) return Error{refused_};
  if (size == 0) return Error{"the frame has no pixel bytes"};
  const std::uint64_t align = device_.host_import_alignment;
  const auto region_start = reinterpret_cast<std::uintptr_t>(region.data());
  const std::uintptr_t region_end = region_start + region.size();
  const std::uintptr_t first = region_start + offset, last = first + size;
  const std::uintptr_t base = first / align * align;
  const std::uintptr_t end = (last + align - 1) / align * align;
  // Past the mapping's ends the pages may not exist: such a span cannot be imported safely.
  if (base < region_start || end > region_end)
    return Error{fmt::format("the frame buffer's {}-byte aligned span leaves the mapping", align)};

  ++uses_;
  for (Entry& e : entries_) {
    if (e.base <= base && end <= e.base + e.size) {
      e.last_use = uses_;
      return ImportedSpan{e.buffer.handle(), first - e.base};
    }
  }
  auto buffer = Buffer::import_host(device_, reinterpret_cast<const void*>(base), end - base,
                                    VK_BUFFER_USAGE_TRANSFER_SRC_BIT);
  if (!buffer) {
    refused_ = buffer.error().message;
    return buffer.error();
  }
  if (entries_.size() >= kMaxEntries) {
    entries_.erase(std::min_element(entries_.begin(), entries_.end(),
                                    [](const Entry& a, const Entry& b) { return a.last_use < b.last_use; }));
  }
  entries_.push_back(Entry{base, end - base, std::move(*buffer), uses_});
  return ImportedSpan{entries_.back().buffer.handle(), first - base};
}

}  // namespace kagami::client::vk
