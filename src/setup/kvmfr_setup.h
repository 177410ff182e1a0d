#pragma once
// `kagami-setup shm --path /dev/kvmfr0`: configures the Looking Glass kvmfr module instead of a file.
// The module's static device is what QEMU maps (mem-path=/dev/kvmfr0); its size is fixed at load time.
#include <cstdint>
#include <ostream>
#include <string>

#include "common/result.h"

namespace kagami::setup {

struct KvmfrRequest {
  std::uint64_t size = 32 * 1024 * 1024;
  std::string user;
  std::string group = "kvm";
  unsigned mode = 0660;
  std::string etc_dir = "/etc";
  std::string modules_dir;  // /lib/modules/<running kernel> when empty
  bool dry_run = false;
};

// True when a kvmfr.ko* exists under `modules_dir` (or the module is already loaded).
bool kvmfr_module_available(const std::string& modules_dir, const std::string& sysfs_root = "/sys");
// "/lib/modules/$(uname -r)".
std::string running_kernel_modules_dir();

std::string kvmfr_modprobe_conf(const KvmfrRequest& request);  // options kvmfr static_size_mb=N
std::string kvmfr_udev_rule(const KvmfrRequest& request);      // SUBSYSTEM=="kvmfr", OWNER=...

// Writes the modprobe options, modules-load entry and udev rule; prints every action and then the
// commands that load the module now.
Result<void> setup_kvmfr(const KvmfrRequest& request, std::ostream& out);

}  // namespace kagami::setup
