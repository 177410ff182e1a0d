#pragma once
// `kagami-setup shm` for a /dev/shm file: size, owner, group and mode that both the client's user
// and QEMU's user (libvirt: libvirt-qemu or qemu, in group kvm) can use, kept across reboots by a
// systemd-tmpfiles rule.
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

#include "common/result.h"

namespace kagami::setup {

struct ShmFileRequest {
  std::string path = "/dev/shm/looking-glass";
  // The size to give the file. Unset: an existing file keeps its size; a new (or empty) one gets
  // kDefaultShmSize.
  std::optional<std::uint64_t> size;
  std::string user;           // owner: the user who runs kagami-client
  std::string group = "kvm";  // QEMU's group
  unsigned mode = 0660;
  std::string tmpfiles_dir = "/etc/tmpfiles.d";  // empty: no rule
  bool dry_run = false;
  // Resize even while processes have the file mapped or open (they see their memory cut short).
  bool force = false;
  std::string proc_root = "/proc";  // where to look for those processes
  // Who runs QEMU, to check it is in `group`; empty: libvirt-qemu or qemu when such a user exists.
  std::string qemu_user;
};

constexpr std::uint64_t kDefaultShmSize = 32 * 1024 * 1024;

// The systemd-tmpfiles line that recreates the file at boot: "f /dev/shm/NAME 0660 USER kvm -".
std::string tmpfiles_rule(const ShmFileRequest& request);
// Where that rule goes: "<tmpfiles_dir>/kagami-NAME.conf".
std::string tmpfiles_rule_path(const ShmFileRequest& request);

// Creates or fixes the file and writes the rule, printing every action to `out`. Never resizes a
// file that a process has mapped or open (names them in the Error) unless `force`.
Result<void> setup_shm_file(const ShmFileRequest& request, std::ostream& out);

}  // namespace kagami::setup
