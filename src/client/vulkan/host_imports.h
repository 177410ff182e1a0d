#pragma once
// The zero-copy source of an upload: page-aligned spans of the mapped region imported as VkBuffers
// with VK_EXT_external_memory_host, so vkCmdCopyBufferToImage reads the guest's memory directly.
// Each span covers one frame buffer (aligned out to minImportedHostPointerAlignment, and only
// when that stays inside the mapping); the few spans a region has (LGMP's frame slots) are kept,
// least recently used dropped. Frame thread only; clear() before the region is unmapped.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "client/vulkan/vk_resources.h"

namespace kagami::client::vk {

struct ImportedSpan {
  VkBuffer buffer = VK_NULL_HANDLE;
  VkDeviceSize offset = 0;  // of the requested bytes inside the buffer
};

class HostImports {
 public:
  explicit HostImports(Device& device) : device_(device) {}

  // The buffer holding region[offset, offset + size), imported now or earlier; an error says why
  // it cannot be (no extension, alignment, driver refused: then it is not tried again).
  Result<ImportedSpan> find(std::span<const std::byte> region, std::uint64_t offset, std::uint64_t size);
  void clear() { entries_.clear(); }

 private:
  struct Entry {
    std::uintptr_t base = 0;
    VkDeviceSize size = 0;
    Buffer buffer;
    std::uint64_t last_use = 0;
  };
  static constexpr std::size_t kMaxEntries = 4;
  Device& device_;
  std::vector<Entry> entries_;
  std::uint64_t uses_ = 0;
  std::string refused_;  // the driver refused an import: the reason, and no more attempts
};

}  // namespace kagami::client::vk
