#include "setup/kvmfr_setup.h"

#include <fmt/format.h>
#include <sys/utsname.h>

#include <filesystem>

#include "setup/actions.h"
#include "setup/libvirt_kvmfr.h"
#include "setup/size.h"
#include "shm/mapped_fd.h"

namespace kagami::setup {

namespace fs = std::filesystem;

std::string running_kernel_modules_dir() {
  utsname name{};
  uname(&name);
  return fmt::format("/lib/modules/{}", name.release);
}

bool kvmfr_module_available(const std::string& modules_dir, const std::string& sysfs_root) {
  std::error_code ec;
  if (fs::exists(fs::path(sysfs_root) / "module/kvmfr", ec)) return true;
  for (fs::recursive_directory_iterator it(modules_dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().filename().string().starts_with("kvmfr.ko")) return true;
  }
  return false;
}

std::string kvmfr_modprobe_conf(const KvmfrRequest& request) {
  return fmt::format(
      "# kagami: one static kvmfr device (/dev/kvmfr0) of {} MiB for QEMU and kagami-client.\n"
      "options kvmfr static_size_mb={}\n",
      request.size / kMiB, request.size / kMiB);
}

std::string kvmfr_udev_rule(const KvmfrRequest& request) {
  return fmt::format(
      "# kagami: /dev/kvmfrN usable by kagami-client's user and QEMU's group.\n"
      "SUBSYSTEM==\"kvmfr\", OWNER=\"{}\", GROUP=\"{}\", MODE=\"{:04o}\"\n",
      request.user, request.group, request.mode);
}

Result<void> setup_kvmfr(const KvmfrRequest& request, std::ostream& out) {
  std::string modules_dir = request.modules_dir.empty() ? running_kernel_modules_dir() : request.modules_dir;
  std::string missing;
  if (!kvmfr_module_available(modules_dir)) {
    missing = fmt::format(
        "the kvmfr module is not installed (no kvmfr.ko in {}): build it from Looking Glass's module/ "
        "directory (dkms), or use a /dev/shm file: `sudo kagami-setup shm --path /dev/shm/looking-glass`",
        modules_dir);
    // A dry run shows what would be written all the same: that is how one reads it before building.
    if (!request.dry_run) return Error{missing};
  }
  if (request.size % kMiB != 0 || !shm::is_power_of_two(request.size)) {
    return Error{fmt::format("{} is not a power-of-two number of MiB, which kvmfr's static_size_mb needs",
                             shm::format_size(request.size))};
  }
  Actions actions(out, request.dry_run);
  if (!missing.empty()) out << "Note: " << missing << "\n";
  out << fmt::format("kvmfr device /dev/kvmfr0 ({} MiB) for user {} and group {}:\n", request.size / kMiB,
                     request.user, request.group);
  fs::path etc(request.etc_dir);
  if (auto r = actions.write_file((etc / "modprobe.d/kvmfr.conf").string(), kvmfr_modprobe_conf(request)); !r)
    return r;
  if (auto r = actions.write_file((etc / "modules-load.d/kvmfr.conf").string(), "kvmfr\n"); !r) return r;
  if (auto r = actions.write_file((etc / "udev/rules.d/99-kvmfr.rules").string(), kvmfr_udev_rule(request));
      !r)
    return r;
  out << fmt::format(
      "Then, with the VM off:\n"
      "  sudo modprobe -r kvmfr; sudo modprobe kvmfr      # load it with the new size\n"
      "  sudo udevadm control --reload && sudo udevadm trigger --subsystem-match=kvmfr\n"
      "{}"
      "QEMU arguments: `kagami-setup qemu-args --shm /dev/kvmfr0 --size {}M`; libvirt: `kagami-setup libvirt "
      "DOMAIN --shm /dev/kvmfr0 --size {}M`.\n",
      kvmfr_libvirt_access_lines("/dev/kvmfr0"), request.size / kMiB, request.size / kMiB);
  return {};
}

}  // namespace kagami::setup
