#pragma once
// `kagami-setup doctor`: every check that commonly explains "no picture". Each finding says what is
// wrong and the exact command that fixes it. The roots are parameters so tests use crafted trees.
#include <sys/stat.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "setup/size.h"

namespace kagami::setup {

enum class FindingStatus { ok, note, problem };

struct Finding {
  FindingStatus status = FindingStatus::ok;
  std::string topic;    // "region", "permissions", "agent", "kvmfr", "iommu", "vfio", "apparmor", ...
  std::string message;  // what was found
  std::string fix;      // the command (or edit) that fixes it; empty for ok
};

struct DoctorOptions {
  std::string shm_path = "/dev/shm/looking-glass";
  std::optional<Resolution> resolution;  // check the size against this guest resolution
  bool hdr = false;
  std::string sysfs_root = "/sys";
  std::string proc_root = "/proc";
  std::vector<std::string> logs = {"/var/log/audit/audit.log", "/var/log/kern.log", "/var/log/syslog"};
  bool read_kernel_log = true;        // also search `dmesg` output for denials
  std::string client_user;            // who runs kagami-client; empty: $SUDO_USER or the current user
  std::string qemu_user;              // who runs QEMU; empty: libvirt-qemu or qemu if such a user exists
  std::optional<std::string> domain;  // also check this libvirt domain's devices
  std::string connect_uri;
  std::chrono::milliseconds heartbeat_wait{1100};  // LGMP's host timeout is 1 s
};

std::vector<Finding> check_region(const DoctorOptions& options);           // doctor_region.cpp
std::vector<Finding> check_region_contents(const DoctorOptions& options);  // doctor_agent.cpp
std::vector<Finding> check_host(const DoctorOptions& options);             // doctor_host.cpp
std::vector<Finding> check_security(const DoctorOptions& options);         // doctor_security.cpp
std::vector<Finding> check_libvirt(const DoctorOptions& options);          // doctor_libvirt.cpp

// What a region can be: a regular file, or a character device at a /dev/kvmfrN path. Anything
// else (a directory, a FIFO, /dev/zero) is never opened: a FIFO would block the open.
bool is_region_file_type(const std::string& path, const struct stat& st);
bool is_kvmfr_path(const std::string& path);

// All of the above, in that order.
std::vector<Finding> run_doctor(const DoctorOptions& options);
// "[ ok ] region: ...", "[FAIL] ...\n       fix: ...", and a closing summary line.
std::string format_findings(const std::vector<Finding>& findings);
bool has_problems(const std::vector<Finding>& findings);

// The default client user: $SUDO_USER when run through sudo, else the current user.
std::string default_client_user();
// libvirt's QEMU user on this system ("libvirt-qemu" on Debian, "qemu" on Fedora), or "".
std::string default_qemu_user();

}  // namespace kagami::setup
