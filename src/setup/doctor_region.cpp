// doctor: the region file or device itself — there, the right size, usable by both users.
#include <fmt/format.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>

#include <vector>

#include "common/region_size.h"
#include "setup/doctor.h"
#include "shm/mapped_fd.h"
#include "shm/ownership.h"

namespace kagami::setup {
namespace {

constexpr std::uint64_t kDefaultRegionMiB = 32;  // 1920x1080 SDR, kagami-setup's default

const char* file_type_name(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISCHR(mode)) return "a character device other than /dev/kvmfrN";
  return "not a regular file";
}

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

// A size fix must name a size: without one `kagami-setup shm` keeps the file's size.
std::string resize_command(const DoctorOptions& options) {
  if (options.resolution) return setup_command(options);
  return setup_command(options, fmt::format(" --size {}M", kDefaultRegionMiB));
}

void check_size(const DoctorOptions& options, std::uint64_t size, std::vector<Finding>& out) {
  const std::string& path = options.shm_path;
  std::string resize = "with the VM off: " + resize_command(options);
  if (size == 0) {
    out.push_back({FindingStatus::problem, "region", fmt::format("{} is empty (0 bytes)", path), resize});
    return;
  }
  // The rule kagami-agent and kagami-client apply (common/region_size.h).
  if (auto problem = region_size_problem(size)) {
    out.push_back({FindingStatus::problem, "region", fmt::format("{}: {}", path, *problem), resize});
    return;
  }
  if (!shm::is_power_of_two(size)) {
    out.push_back({FindingStatus::problem, "region",
                   fmt::format("{} is {}, not a power of two: QEMU cannot map it as an ivshmem BAR", path,
                               format_region_bytes(size)),
                   resize});
    return;
  }
  if (auto note = region_size_note(size)) {
    out.push_back({FindingStatus::note, "region", fmt::format("{}: {}", path, *note),
                   "to give the unused part back, " + resize});
  }
  if (!options.resolution) {
    out.push_back({FindingStatus::ok, "region",
                   fmt::format("{} is {} (pass --for WxH to check it against the guest's resolution)", path,
                               format_region_bytes(size)),
                   ""});
    return;
  }
  auto calc = region_size_for(*options.resolution, options.hdr);
  std::string res = fmt::format("{}x{}{}", options.resolution->width, options.resolution->height,
                                options.hdr ? " HDR" : "");
  if (size < calc.region_bytes) {
    out.push_back({FindingStatus::problem, "region",
                   fmt::format("{} is {}; {} needs {} (`kagami-setup size {}`)", path,
                               format_region_bytes(size), res, format_region_bytes(calc.region_bytes), res),
                   fmt::format("with the VM off: {}, and the same size in the VM's <shmem>/size= "
                               "(`kagami-setup libvirt DOMAIN --size {}M --apply`)",
                               setup_command(options), calc.region_bytes / kMiB)});
    return;
  }
  out.push_back({FindingStatus::ok, "region",
                 fmt::format("{} is {}, enough for {}", path, format_region_bytes(size), res), ""});
}

void check_access(const DoctorOptions& options, const struct stat& st, std::vector<Finding>& out) {
  const std::string& path = options.shm_path;
  std::string client = options.client_user.empty() ? default_client_user() : options.client_user;
  std::string qemu = options.qemu_user.empty() ? default_qemu_user() : options.qemu_user;
  std::string owned = shm::describe_ownership(st.st_uid, st.st_gid, st.st_mode);
  std::string fix =
      is_kvmfr_path(path)
          ? fmt::format("sudo kagami-setup shm --path {} --user {}  (writes the udev rule)", path, client)
          : fmt::format("sudo kagami-setup shm --path {} --user {}", path, client);  // keeps the size
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
  if (!is_region_file_type(path, st)) {
    // Never a removal: the path may be /dev/shm itself, a home directory or a real device.
    out.push_back({FindingStatus::problem, "region",
                   fmt::format("{} is {}, not a shared-memory region", path, file_type_name(st.st_mode)),
                   "pass the region itself: `kagami-setup doctor --shm /dev/shm/NAME` (QEMU's mem-path, "
                   "libvirt's <shmem name='NAME'>) or `--shm /dev/kvmfr0`"});
    return out;
  }
  if (S_ISREG(st.st_mode)) check_size(options, static_cast<std::uint64_t>(st.st_size), out);
  check_access(options, st, out);
  return out;
}

}  // namespace kagami::setup
