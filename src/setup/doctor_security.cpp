// doctor: AppArmor / SELinux denials for the region, found in the logs we can read.
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "setup/command.h"
#include "setup/doctor.h"

namespace kagami::setup {
namespace {

namespace fs = std::filesystem;

bool enabled(const fs::path& flag_file, char yes) {
  std::ifstream in(flag_file);
  char c = 0;
  return in >> c && c == yes;
}

}  // namespace

std::vector<Finding> check_security(const DoctorOptions& options) {
  std::vector<Finding> out;
  fs::path sysfs(options.sysfs_root);
  bool apparmor = enabled(sysfs / "module/apparmor/parameters/enabled", 'Y');
  bool selinux = enabled(sysfs / "fs/selinux/enforce", '1');
  const std::string& path = options.shm_path;
  std::string name = fs::path(path).filename().string();

  int apparmor_denials = 0, selinux_denials = 0;
  std::string last_line;
  auto scan = [&](std::istream& in) {
    for (std::string line; std::getline(in, line);) {
      if (line.find(path) == std::string::npos) continue;
      if (line.find("apparmor=\"DENIED\"") != std::string::npos)
        ++apparmor_denials, last_line = line;
      else if (line.find("avc:  denied") != std::string::npos)
        ++selinux_denials, last_line = line;
    }
  };
  std::vector<std::string> unreadable;
  for (const auto& log : options.logs) {
    std::ifstream in(log);
    if (in)
      scan(in);
    else if (fs::exists(log))
      unreadable.push_back(log);
  }
  if (options.read_kernel_log) {  // the kernel ring buffer, when dmesg_restrict lets us read it
    auto dmesg = run_command({"dmesg"});
    if (dmesg && dmesg->exit_status == 0) {
      std::istringstream in(dmesg->out);
      scan(in);
    } else {
      unreadable.push_back("dmesg");
    }
  }
  if (apparmor_denials > 0) {
    out.push_back(
        {FindingStatus::problem, "apparmor",
         fmt::format("{} AppArmor denial(s) for {}, e.g.: {}", apparmor_denials, path, last_line),
         fmt::format("echo '{} rw,' | sudo tee -a /etc/apparmor.d/local/abstractions/libvirt-qemu && "
                     "sudo systemctl reload apparmor",
                     path)});
  }
  if (selinux_denials > 0) {
    out.push_back({FindingStatus::problem, "selinux",
                   fmt::format("{} SELinux denial(s) for {}, e.g.: {}", selinux_denials, path, last_line),
                   fmt::format("sudo semanage fcontext -a -t svirt_tmpfs_t '{}' && sudo restorecon -v {}",
                               path, path)});
  }
  if (apparmor_denials + selinux_denials == 0 && (apparmor || selinux)) {
    std::string which = apparmor && selinux ? "AppArmor and SELinux are"
                        : apparmor          ? "AppArmor is"
                                            : "SELinux is";
    std::string scope = unreadable.empty() ? ""
                                           : fmt::format(" (could not read {}: run as root to check them)",
                                                         fmt::join(unreadable, ", "));
    out.push_back({unreadable.empty() ? FindingStatus::ok : FindingStatus::note, "security",
                   fmt::format("{} active; no denial for {} in the logs{}", which, name, scope), ""});
  }
  return out;
}

}  // namespace kagami::setup
