// Backend: the kvmfr character device (/dev/kvmfrN) of the Looking Glass kernel module.
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "shm/mapped_fd.h"
#include "shm/ownership.h"
#include "shm/region.h"

namespace kagami::shm {
namespace {

// _IO('u', 0x44) of the kvmfr uapi: the ioctl's return value is the device size in bytes.
constexpr unsigned long kKvmfrDmabufGetSize = 0x7544;

}  // namespace

Result<std::unique_ptr<Region>> open_kvmfr(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) {
      return Error{
          fmt::format("{} does not exist: load the module with `sudo modprobe kvmfr static_size_mb=32` "
                      "(or run `sudo kagami-setup shm --path {}`)",
                      path, path)};
    }
    return Error{fmt::format("cannot inspect {}: {}", path, std::strerror(errno))};
  }
  if (S_ISREG(st.st_mode)) {
    return Error{fmt::format(
        "{} is a regular file, not the kvmfr device: QEMU created it because it started before the "
        "kvmfr module was loaded. Stop the VM, `sudo rm {}`, then `sudo modprobe kvmfr static_size_mb=32`",
        path, path)};
  }
  if (!S_ISCHR(st.st_mode)) return Error{fmt::format("{} is not a character device", path)};

  int fd = open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    if (errno == EACCES || errno == EPERM) {
      return Error{
          fmt::format("permission denied opening {} ({}; you are {}). Fix: a udev rule "
                      "`SUBSYSTEM==\"kvmfr\", OWNER=\"{}\", GROUP=\"kvm\", MODE=\"0660\"` "
                      "(`sudo kagami-setup shm --path {}` writes it)",
                      path, describe_ownership(st.st_uid, st.st_gid, st.st_mode), current_user_name(),
                      current_user_name(), path)};
    }
    return Error{fmt::format("cannot open {}: {}", path, std::strerror(errno))};
  }
  long size = ioctl(fd, kKvmfrDmabufGetSize, 0);
  if (size <= 0) {
    int err = errno;
    close(fd);
    return Error{fmt::format("{}: KVMFR_DMABUF_GETSIZE failed ({}): is this really a kvmfr device?", path,
                             size < 0 ? std::strerror(err) : "size 0")};
  }
  std::vector<std::string> notes;
  auto bytes = static_cast<std::uint64_t>(size);
  if (!is_power_of_two(bytes)) notes.push_back(power_of_two_note(path, bytes));
  return map_fd(fd, bytes, path, "kvmfr device", std::move(notes));
}

}  // namespace kagami::shm
