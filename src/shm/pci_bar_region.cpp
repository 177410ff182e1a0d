// Backend for the guest: the ivshmem PCI device's BAR2 through Linux sysfs, no driver needed.
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "shm/mapped_fd.h"
#include "shm/region.h"

namespace kagami::shm {
namespace {

namespace fs = std::filesystem;

constexpr unsigned kIvshmemVendor = 0x1af4;
constexpr unsigned kIvshmemDevice = 0x1110;

// A sysfs id file holds "0x1af4\n". Returns 0 when missing or unreadable.
unsigned read_hex_file(const fs::path& file) {
  std::ifstream in(file);
  std::string text;
  if (!(in >> text)) return 0;
  return static_cast<unsigned>(std::strtoul(text.c_str(), nullptr, 16));
}

bool is_ivshmem(const fs::path& device_dir) {
  return read_hex_file(device_dir / "vendor") == kIvshmemVendor &&
         read_hex_file(device_dir / "device") == kIvshmemDevice;
}

Result<fs::path> find_device(const std::optional<std::string>& bdf, const fs::path& devices) {
  if (bdf) {
    fs::path dir = devices / *bdf;
    if (!fs::exists(dir)) return Error{fmt::format("no PCI device {} in {}", *bdf, devices.string())};
    if (!is_ivshmem(dir)) {
      return Error{fmt::format("PCI device {} is {:04x}:{:04x}, not ivshmem (1af4:1110)", *bdf,
                               read_hex_file(dir / "vendor"), read_hex_file(dir / "device"))};
    }
    return dir;
  }
  std::error_code ec;
  std::vector<fs::path> candidates;
  for (const auto& entry : fs::directory_iterator(devices, ec)) candidates.push_back(entry.path());
  std::sort(candidates.begin(), candidates.end());  // lowest bus address first, like the B7 host
  for (const auto& dir : candidates) {
    if (is_ivshmem(dir)) return dir;
  }
  return Error{
      fmt::format("no ivshmem device (PCI 1af4:1110) in {}: give the VM one (`kagami-setup qemu-args` or "
                  "`kagami-setup libvirt DOMAIN`)",
                  devices.string())};
}

// The kernel maps a BAR of a disabled device as all-ones; enabling it is what a driver would do.
Result<void> enable_device(const fs::path& dir) {
  fs::path enable = dir / "enable";
  std::ifstream in(enable);
  int enabled = 0;
  if (!(in >> enabled) || enabled != 0) return {};  // already enabled, or no such control
  int fd = open(enable.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write(fd, "1", 1) != 1) {
    int err = errno;
    if (fd >= 0) close(fd);
    return Error{fmt::format("cannot enable PCI device {} (writing 1 to {}): {}; run as root",
                             dir.filename().string(), enable.string(), std::strerror(err))};
  }
  close(fd);
  return {};
}

}  // namespace

Result<std::unique_ptr<Region>> open_pci_bar(const std::optional<std::string>& bdf,
                                             const std::string& sysfs_root) {
  auto dir = find_device(bdf, fs::path(sysfs_root) / "bus/pci/devices");
  if (!dir) return dir.error();
  if (auto enabled = enable_device(*dir); !enabled) return enabled.error();

  // resource2_wc (write-combined) exists only for prefetchable BARs, which ivshmem's BAR2 is.
  fs::path resource = *dir / "resource2_wc";
  if (!fs::exists(resource)) resource = *dir / "resource2";
  int fd = open(resource.c_str(), O_RDWR | O_SYNC | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    std::string hint = (err == EACCES || err == EPERM) ? " (the BAR files are root-only: run as root)" : "";
    return Error{fmt::format("cannot open {}: {}{}", resource.string(), std::strerror(err), hint)};
  }
  struct stat st {};
  if (fstat(fd, &st) != 0 || st.st_size <= 0) {
    close(fd);
    return Error{fmt::format("{} reports no size: is BAR2 of {} assigned?", resource.string(),
                             dir->filename().string())};
  }
  auto size = static_cast<std::uint64_t>(st.st_size);
  std::vector<std::string> notes;
  if (!is_power_of_two(size)) notes.push_back(power_of_two_note(resource.string(), size));
  return map_fd(fd, size, resource.string(), "PCI BAR2", std::move(notes));
}

}  // namespace kagami::shm
