#include "client/kvmfr_dmabuf.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace kagami::client::kvmfr {

Result<int> create_dmabuf(int device_fd, std::uint64_t offset, std::uint64_t size) {
  const auto page = static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
  if (size == 0 || offset % page != 0 || size % page != 0)
    return Error{fmt::format("a kvmfr DMA-BUF must be a non-empty page-aligned span (offset {}, size {})",
                             offset, size)};
  const long device_size = ioctl(device_fd, kIoctlDmabufGetSize);
  if (device_size < 0)
    return Error{fmt::format("not a kvmfr device (KVMFR_DMABUF_GETSIZE: {})", std::strerror(errno))};
  if (offset > static_cast<std::uint64_t>(device_size) ||
      size > static_cast<std::uint64_t>(device_size) - offset)
    return Error{fmt::format("span {}+{} is outside the {} byte kvmfr device", offset, size, device_size)};
  DmabufCreate request;
  request.flags = kDmabufFlagCloexec;
  request.offset = offset;
  request.size = size;
  const int fd = ioctl(device_fd, kIoctlDmabufCreate, &request);
  if (fd < 0) return Error{fmt::format("KVMFR_DMABUF_CREATE failed: {}", std::strerror(errno))};
  return fd;
}

std::string dmabuf_unavailable_reason(int device_fd) {
  if (device_fd < 0) return "the region is not a kvmfr device";
  if (ioctl(device_fd, kIoctlDmabufGetSize) < 0) return "the region is not a kvmfr device";
  return "";
}

}  // namespace kagami::client::kvmfr
