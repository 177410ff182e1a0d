#pragma once
// Which processes have a file mapped or open: before kagami-setup resizes a region, so it never
// cuts the memory out from under QEMU (the guest's view), an agent or a client.
#include <string>
#include <vector>

namespace kagami::setup {

struct RegionUser {
  int pid = 0;
  std::string name;     // /proc/PID/comm: "qemu-system-x86", "kagami-client"
  bool mapped = false;  // in /proc/PID/maps
  bool open = false;    // an fd in /proc/PID/fd
};

struct RegionUsers {
  std::vector<RegionUser> users;
  // Processes whose maps or fds we could not read (another user's, without root): the list may
  // be incomplete.
  int unreadable = 0;
};

// Scans <proc_root>/*/maps and <proc_root>/*/fd/* for the file at `path`, matched by device and
// inode (so a different spelling of the path, or a bind mount, still matches). The calling
// process is left out. An empty result when `path` does not exist.
RegionUsers find_region_users(const std::string& path, const std::string& proc_root = "/proc");

// "qemu-system-x86 (pid 1234, mapped), kagami-client (pid 5678, mapped and open)".
std::string describe_users(const std::vector<RegionUser>& users);

}  // namespace kagami::setup
