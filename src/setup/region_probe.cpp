#include "setup/region_probe.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>

#include "protocol/kvmfr_layout.h"
#include "protocol/lgmp_layout.h"
#include "shm/region.h"

namespace kagami::setup {
namespace {

namespace p = protocol;

template <class T>
T load(std::span<const std::byte> bytes, std::size_t offset) {
  T value{};
  if (offset + sizeof(T) <= bytes.size()) std::memcpy(&value, bytes.data() + offset, sizeof(T));
  return value;
}

}  // namespace

bool RegionHeader::lgmp_ok() const { return lgmp_magic == p::kLgmpMagic && lgmp_version == p::kLgmpVersion; }

std::size_t region_header_bytes() { return p::kLgmpHeaderSize + sizeof(p::KvmfrHeader); }

RegionHeader parse_region_header(std::span<const std::byte> bytes) {
  RegionHeader header;
  header.all_zero = std::all_of(bytes.begin(), bytes.end(), [](std::byte b) { return b == std::byte{0}; });
  header.lgmp_magic = load<std::uint32_t>(bytes, offsetof(p::LgmpHeader, magic));
  header.lgmp_version = load<std::uint32_t>(bytes, offsetof(p::LgmpHeader, version));
  header.session_id = load<std::uint32_t>(bytes, offsetof(p::LgmpHeader, session_id));
  header.timestamp = load<std::uint64_t>(bytes, offsetof(p::LgmpHeader, timestamp));
  header.udata_size = load<std::uint32_t>(bytes, offsetof(p::LgmpHeader, udata_size));
  if (header.udata_size < sizeof(p::KvmfrHeader) || bytes.size() < region_header_bytes()) return header;

  auto kvmfr = load<p::KvmfrHeader>(bytes, p::kLgmpUdataOffset);
  header.has_kvmfr = std::memcmp(kvmfr.magic, p::kKvmfrMagic, sizeof kvmfr.magic) == 0;
  if (!header.has_kvmfr) return header;
  header.kvmfr_version = kvmfr.version;
  for (char c : kvmfr.hostver) {
    if (c == '\0') break;
    if (c >= 0x20 && c < 0x7f) header.host_version += c;  // the guest is untrusted: printable only
  }
  return header;
}

Result<std::vector<std::byte>> read_region_start(const std::string& path) {
  std::vector<std::byte> bytes(region_header_bytes());
  if (path.starts_with("/dev/kvmfr")) {  // a device needs its mapping; pread is not supported
    auto region = shm::open_kvmfr(path);
    if (!region) return region.error();
    auto span = (*region)->bytes();
    bytes.resize(std::min(span.size(), bytes.size()));
    std::memcpy(bytes.data(), span.data(), bytes.size());
    return bytes;
  }
  // O_NONBLOCK: should a FIFO slip past the caller's type check, open() returns instead of waiting
  // for a writer.
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return Error{fmt::format("cannot open {}: {}", path, std::strerror(errno))};
  ssize_t n = pread(fd, bytes.data(), bytes.size(), 0);
  int err = errno;
  close(fd);
  if (n < 0) return Error{fmt::format("cannot read {}: {}", path, std::strerror(err))};
  bytes.resize(static_cast<std::size_t>(n));
  return bytes;
}

std::string looking_glass_release(std::uint32_t kvmfr_version) {
  switch (kvmfr_version) {
    case 20:
      return "Looking Glass B7";
    case 19:
      return "Looking Glass B6";
    default:
      return "";
  }
}

}  // namespace kagami::setup
