#include "setup/shm_file_setup.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "setup/actions.h"
#include "setup/doctor.h"
#include "setup/region_users.h"
#include "shm/mapped_fd.h"
#include "shm/ownership.h"

namespace kagami::setup {
namespace {

Result<void> errno_error(const std::string& what) {
  return Error{fmt::format("cannot {}: {} (run with sudo?)", what, std::strerror(errno))};
}

// Resizing a file under a mapping cuts the memory of whoever maps it: QEMU's guest loses the
// end of its ivshmem BAR, and older programs died by SIGBUS. So: only when nobody uses it.
Result<void> check_unused(const ShmFileRequest& request, std::uint64_t current, std::uint64_t wanted) {
  RegionUsers found = find_region_users(request.path, request.proc_root);
  std::string change =
      fmt::format("{} from {} to {}", request.path, shm::format_size(current), shm::format_size(wanted));
  if (!found.users.empty()) {
    return Error{fmt::format(
        "will not resize {}: it is in use by {}. Stop them first (shut the VM down), or pass --force "
        "to resize it under them",
        change, describe_users(found.users))};
  }
  if (found.unreadable > 0) {
    return Error{fmt::format(
        "will not resize {}: {} process{} could not be checked for using it (another user's; QEMU "
        "runs as libvirt-qemu). Run with sudo, or pass --force",
        change, found.unreadable, found.unreadable == 1 ? "" : "es")};
  }
  return {};
}

Result<void> fix_size(Actions& actions, const ShmFileRequest& request, const struct stat* st) {
  const std::string& path = request.path;
  if (!st) {
    std::uint64_t wanted = request.size.value_or(kDefaultShmSize);
    std::string size = shm::format_size(wanted);
    return actions.run("create", fmt::format("{} ({}, mode {:04o})", path, size, request.mode),
                       [&]() -> Result<void> {
                         int fd = open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, request.mode);
                         if (fd < 0) return errno_error("create " + path);
                         bool sized = ftruncate(fd, static_cast<off_t>(wanted)) == 0;
                         close(fd);
                         if (!sized) return errno_error("size " + path);
                         return {};
                       });
  }
  auto current = static_cast<std::uint64_t>(st->st_size);
  if (!request.size && current != 0) {
    actions.ok(fmt::format("{} is {} (kept: --size or --for changes it)", path, shm::format_size(current)));
    return {};
  }
  std::uint64_t wanted = request.size.value_or(kDefaultShmSize);
  std::string size = shm::format_size(wanted);
  if (current == wanted) {
    actions.ok(fmt::format("{} is {}", path, size));
    return {};
  }
  std::string what = fmt::format("{} from {} to {}", path, shm::format_size(current), size);
  if (!request.force) {
    if (auto unused = check_unused(request, current, wanted); !unused) return unused;
  } else if (auto found = find_region_users(path, request.proc_root); !found.users.empty()) {
    what += fmt::format(" under {} (--force)", describe_users(found.users));
  }
  if (current != 0) what += " (the VM's <shmem>/size= must match)";
  return actions.run("resize", what, [&]() -> Result<void> {
    if (truncate(path.c_str(), static_cast<off_t>(wanted)) != 0) return errno_error("resize " + path);
    return {};
  });
}

Result<void> fix_ownership(Actions& actions, const ShmFileRequest& request, uid_t uid, gid_t gid) {
  const std::string& path = request.path;
  struct stat st {};
  bool exists = stat(path.c_str(), &st) == 0;  // false only in a dry run that would create it
  std::string owner = fmt::format("{}:{}", request.user, request.group);
  if (exists && st.st_uid == uid && st.st_gid == gid) {
    actions.ok(fmt::format("{} belongs to {}", path, owner));
  } else {
    auto done = actions.run("chown", fmt::format("{} {}", owner, path), [&]() -> Result<void> {
      if (chown(path.c_str(), uid, gid) != 0) return errno_error("chown " + owner + " " + path);
      return {};
    });
    if (!done) return done;
  }
  if (exists && (st.st_mode & 07777) == request.mode) {
    actions.ok(fmt::format("{} has mode {:04o}", path, request.mode));
    return {};
  }
  return actions.run("chmod", fmt::format("{:04o} {}", request.mode, path), [&]() -> Result<void> {
    if (chmod(path.c_str(), request.mode) != 0)
      return errno_error(fmt::format("chmod {:04o} {}", request.mode, path));
    return {};
  });
}

bool user_in_group(const std::string& user, gid_t gid) {
  const passwd* pw = getpwnam(user.c_str());
  if (!pw) return false;
  if (pw->pw_gid == gid) return true;
  int count = 64;
  std::vector<gid_t> groups(static_cast<std::size_t>(count));
  if (getgrouplist(pw->pw_name, pw->pw_gid, groups.data(), &count) < 0) {
    groups.resize(static_cast<std::size_t>(count));
    if (getgrouplist(pw->pw_name, pw->pw_gid, groups.data(), &count) < 0) return false;
  }
  groups.resize(static_cast<std::size_t>(count));
  return std::find(groups.begin(), groups.end(), gid) != groups.end();
}

// A tmpfiles rule acts only at boot, and the group only helps QEMU if QEMU's user is in it.
void explain_rule_and_group(const ShmFileRequest& request, gid_t gid, std::ostream& out) {
  out << fmt::format(
      "The rule acts at boot only (systemd-tmpfiles-setup); until then the file above is the one in use. "
      "To create the file from the rule without rebooting: `sudo systemd-tmpfiles --create {}`.\n",
      tmpfiles_rule_path(request));
  std::string qemu = request.qemu_user.empty() ? default_qemu_user() : request.qemu_user;
  if (qemu.empty()) {
    out << fmt::format(
        "Groups: {} owns the file; QEMU must run as {} or as a member of group {} (`sudo adduser USER {}`, "
        "then "
        "log in again).\n",
        request.user, request.user, request.group, request.group);
  } else if (user_in_group(qemu, gid)) {
    out << fmt::format("Groups: {} owns the file; QEMU's user {} is in group {}: both may use it.\n",
                       request.user, qemu, request.group);
  } else {
    out << fmt::format(
        "Groups: QEMU's user {} is NOT in group {}, so QEMU cannot open the file: `sudo adduser {} {}`, then "
        "restart libvirtd (or pass --group with a group {} is in).\n",
        qemu, request.group, qemu, request.group, qemu);
  }
}

}  // namespace

std::string tmpfiles_rule(const ShmFileRequest& request) {
  return fmt::format(
      "# kagami: the shared-memory file for kagami-client and QEMU, recreated at boot.\n"
      "f {} {:04o} {} {} -\n",
      request.path, request.mode, request.user, request.group);
}

std::string tmpfiles_rule_path(const ShmFileRequest& request) {
  std::string name = std::filesystem::path(request.path).filename().string();
  return (std::filesystem::path(request.tmpfiles_dir) / ("kagami-" + name + ".conf")).string();
}

Result<void> setup_shm_file(const ShmFileRequest& request, std::ostream& out) {
  const passwd* pw = getpwnam(request.user.c_str());
  if (!pw)
    return Error{fmt::format("no user '{}' on this system: pass --user with the user who runs kagami-client",
                             request.user)};
  uid_t uid = pw->pw_uid;
  const group* gr = getgrnam(request.group.c_str());
  if (!gr) {
    return Error{
        fmt::format("no group '{}' on this system: install QEMU (it creates group kvm) or pass --group "
                    "with the group QEMU runs in",
                    request.group)};
  }
  gid_t gid = gr->gr_gid;
  if (request.size && !shm::is_power_of_two(*request.size)) {
    return Error{
        fmt::format("{} is not a power of two: QEMU cannot use it for ivshmem (see `kagami-setup size`)",
                    shm::format_size(*request.size))};
  }

  Actions actions(out, request.dry_run);
  out << fmt::format("Shared-memory file {} for user {} and group {} (QEMU):\n", request.path, request.user,
                     request.group);
  struct stat st {};
  bool exists = stat(request.path.c_str(), &st) == 0;
  if (exists && !S_ISREG(st.st_mode))
    return Error{fmt::format("{} exists and is not a regular file", request.path)};
  if (auto sized = fix_size(actions, request, exists ? &st : nullptr); !sized) return sized;
  if (auto owned = fix_ownership(actions, request, uid, gid); !owned) return owned;
  if (request.tmpfiles_dir.empty()) return {};
  if (auto written = actions.write_file(tmpfiles_rule_path(request), tmpfiles_rule(request)); !written)
    return written;
  explain_rule_and_group(request, gid, out);
  return {};
}

}  // namespace kagami::setup
