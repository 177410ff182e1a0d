// Backend: a plain file, normally in /dev/shm (QEMU's memory-backend-file mem-path).
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "shm/mapped_fd.h"
#include "shm/ownership.h"
#include "shm/region.h"

namespace kagami::shm {
namespace {

const char* file_type_name(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

Error permission_error(const std::string& path, const struct stat& st) {
  std::string you = current_user_name();
  return Error{fmt::format(
      "permission denied opening {} read-write ({}; you are {}). Fix: `sudo kagami-setup shm --path {} "
      "--user {}` (or `sudo chown {}:kvm {} && sudo chmod 0660 {}`)",
      path, describe_ownership(st.st_uid, st.st_gid, st.st_mode), you, path, you, you, path, path)};
}

// Creates the file exclusively with exactly `mode` (not filtered by the umask) and `size` bytes.
Result<int> create_file(const std::string& path, std::uint64_t size, unsigned mode) {
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    return Error{fmt::format("cannot create {}: {}", path, std::strerror(errno))};
  }
  if (fchmod(fd, mode) != 0 || ftruncate(fd, static_cast<off_t>(size)) != 0) {
    int err = errno;
    close(fd);
    unlink(path.c_str());
    return Error{fmt::format("cannot give {} mode {:04o} and size {}: {}", path, mode, format_size(size),
                             std::strerror(err))};
  }
  return fd;
}

}  // namespace

Result<std::unique_ptr<Region>> open_file(const std::string& path, const FileOptions& options) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) return Error{fmt::format("cannot inspect {}: {}", path, std::strerror(errno))};
    if (!options.create) {
      return Error{
          fmt::format("{} does not exist: start the VM first (QEMU creates it) or create it with "
                      "`sudo kagami-setup shm --path {}`",
                      path, path)};
    }
    if (!options.size || *options.size == 0) {
      return Error{fmt::format("cannot create {}: no size given (see `kagami-setup size WxH`)", path)};
    }
    auto fd = create_file(path, *options.size, options.mode);
    if (!fd) return fd.error();
    std::vector<std::string> notes;
    if (!is_power_of_two(*options.size)) notes.push_back(power_of_two_note(path, *options.size));
    return map_fd(*fd, *options.size, path, "file", std::move(notes));
  }
  if (!S_ISREG(st.st_mode)) {
    std::string hint = S_ISCHR(st.st_mode) ? " (for the kvmfr device use a /dev/kvmfrN path)" : "";
    return Error{
        fmt::format("{} is {}, expected a shared-memory file{}", path, file_type_name(st.st_mode), hint)};
  }

  int fd = open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    if (errno == EACCES || errno == EPERM) return permission_error(path, st);
    return Error{fmt::format("cannot open {}: {}", path, std::strerror(errno))};
  }
  if (fstat(fd, &st) != 0) {
    int err = errno;
    close(fd);
    return Error{fmt::format("cannot inspect {}: {}", path, std::strerror(err))};
  }
  auto size = static_cast<std::uint64_t>(st.st_size);
  if (size == 0 && options.create && options.size && *options.size > 0) {
    // An empty file (e.g. made by a systemd-tmpfiles `f` rule) is grown to the requested size.
    if (ftruncate(fd, static_cast<off_t>(*options.size)) != 0) {
      int err = errno;
      close(fd);
      return Error{fmt::format("cannot grow empty {} to {}: {}", path, format_size(*options.size),
                               std::strerror(err))};
    }
    size = *options.size;
  }
  if (size == 0) {
    close(fd);
    return Error{fmt::format(
        "{} is empty (0 bytes): QEMU has not started with it as memory-backend-file yet, or it was "
        "created by hand. Start the VM, or run `sudo kagami-setup shm --path {}`",
        path, path)};
  }
  if (options.size && size < *options.size) {
    close(fd);
    constexpr std::uint64_t kMiB = 1024 * 1024;
    return Error{fmt::format(
        "{} is {}, {} are needed: run `sudo kagami-setup shm --path {} --size {}M` "
        "with the VM off",
        path, format_size(size), format_size(*options.size), path, (*options.size + kMiB - 1) / kMiB)};
  }
  std::vector<std::string> notes;
  if (!is_power_of_two(size)) notes.push_back(power_of_two_note(path, size));
  return map_fd(fd, size, path, "file", std::move(notes));
}

}  // namespace kagami::shm
