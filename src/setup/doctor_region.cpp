// doctor: the region file or device itself — there, the right size, usable by both users.
#include <fmt/format.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>

#include <vector>

#include "setup/doctor.h"
#include "shm/mapped_fd.h"
#include "shm/ownership.h"

namespace kagami::setup {
namespace {

bool is_kvmfr_path(const std::string& path) { return path.starts_with("/dev/kvmfr"); }

// Whether `user` may read and write a file with this owner, group and mode (root may always).
bool user_can_read_write(const std::string& user, const struct stat& st) {
  const passwd* pw = getpwnam(user.c_str());
  if (!pw) return false;
  if (pw->pw_uid == 0) return true;
  if (pw->pw_uid == st.st_uid) return (st.st_mode & 0600) == 0600;
  int count = 64;
  std::vector<gid_t> groups(static_cast<std::size_t>(count));
  if (getgrouplist(pw->pw_name, pw->pw_gid, groups.data(), &count) < 0) {
    groups.resize(static_cast<std::size_t>(count));
    getgrouplist(pw->pw_name, pw->pw_gid, groups.data(), &count);
  }
  groups.resize(static_cast<std::size_t>(count));
  for (gid_t gid : groups) {
    if (gid == st.st_gid) return (st.st_mode & 0060) == 0060;
  }
  return (st.st_mode & 0006) == 0006;
}

std::string setup_command(const DoctorOptions& options, const std::string& extra = "") {
  std::string size = options.resolution ? fmt::format(" --for {}x{}{}", options.resolution->width,
                                                      options.resolution->height, options.hdr ? " --hdr" : "")
                                        : "";
  return fmt::format("sudo kagami-setup shm --path {}{}{}", options.shm_path, size, extra);
}

void check_size(const DoctorOptions& options, std::uint64_t size, std::vector<Finding>& out) {
  const std::string& path = options.shm_path;
  if (size == 0) {
    out.push_back({FindingStatus::problem, "region", fmt::format("{} is empty (0 bytes)", path),
                   setup_command(options)});
    return;
  }
  if (!shm::is_power_of_two(size)) {
    out.push_back({FindingStatus::problem, "region",
                   fmt::format("{} is {}, not a power of two: QEMU cannot map it as an ivshmem BAR", path,
                               shm::format_size(size)),
                   setup_command(options)});
    return;
  }
  if (!options.resolution) {
    out.push_back({FindingStatus::ok, "region",
                   fmt::format("{} is {} (pass --for WxH to check it against the guest's resolution)", path,
                               shm::format_size(size)),
                   ""});
    return;
  }
  auto calc = region_size_for(*options.resolution, options.hdr);
  std::string res = fmt::format("{}x{}{}", options.resolution->width, options.resolution->height,
                                options.hdr ? " HDR" : "");
  if (size < calc.region_bytes) {
    out.push_back({FindingStatus::problem, "region",
                   fmt::format("{} is {}; {} needs {} (`kagami-setup size {}`)", path, shm::format_size(size),
                               res, shm::format_size(calc.region_bytes), res),
                   fmt::format("with the VM off: {}, and the same size in the VM's <shmem>/size= "
                               "(`kagami-setup libvirt DOMAIN --size {}M --apply`)",
                               setup_command(options), calc.region_bytes / kMiB)});
    return;
  }
  out.push_back({FindingStatus::ok, "region",
                 fmt::format("{} is {}, enough for {}", path, shm::format_size(size), res), ""});
}

void check_access(const DoctorOptions& options, const struct stat& st, std::vector<Finding>& out) {
  const std::string& path = options.shm_path;
  std::string client = options.client_user.empty() ? default_client_user() : options.client_user;
  std::string qemu = options.qemu_user.empty() ? default_qemu_user() : options.qemu_user;
  std::string owned = shm::describe_ownership(st.st_uid, st.st_gid, st.st_mode);
  std::string fix =
      is_kvmfr_path(path)
          ? fmt::format("sudo kagami-setup shm --path {} --user {}  (writes the udev rule)", path, client)
          : setup_command(options, " --user " + client);
  bool fine = true;
  if (!user_can_read_write(client, st)) {
    out.push_back({FindingStatus::problem, "permissions",
                   fmt::format("{} ({}) is not readable and writable by {}, who runs kagami-client", path,
                               owned, client),
                   fix});
    fine = false;
  }
  if (!qemu.empty() && !user_can_read_write(qemu, st)) {
    out.push_back({FindingStatus::problem, "permissions",
                   fmt::format("{} ({}) is not readable and writable by QEMU's user {}", path, owned, qemu),
                   fix});
    fine = false;
  }
  if (fine) {
    out.push_back(
        {FindingStatus::ok, "permissions",
         fmt::format("{} ({}) is usable by {}{}", path, owned, client, qemu.empty() ? "" : " and " + qemu),
         ""});
  }
}

}  // namespace

std::vector<Finding> check_region(const DoctorOptions& options) {
  std::vector<Finding> out;
  const std::string& path = options.shm_path;
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    std::string fix =
        is_kvmfr_path(path)
            ? "sudo modprobe kvmfr static_size_mb=32  (or `sudo kagami-setup shm --path " + path + "`)"
            : setup_command(options);
    out.push_back({FindingStatus::problem, "region", fmt::format("{} does not exist", path), fix});
    return out;
  }
  if (is_kvmfr_path(path) && S_ISREG(st.st_mode)) {
    out.push_back({FindingStatus::problem, "kvmfr",
                   fmt::format("{} is a regular file: QEMU started before the kvmfr module was loaded", path),
                   fmt::format("stop the VM, `sudo rm {}`, then `sudo modprobe kvmfr`", path)});
    return out;
  }
  if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode)) {
    out.push_back({FindingStatus::problem, "region", fmt::format("{} is neither a file nor a device", path),
                   fmt::format("sudo rm -r {} && {}", path, setup_command(options))});
    return out;
  }
  if (S_ISREG(st.st_mode)) check_size(options, static_cast<std::uint64_t>(st.st_size), out);
  check_access(options, st, out);
  return out;
}

}  // namespace kagami::setup
