#include "setup/doctor.h"

#include <fmt/format.h>
#include <pwd.h>

#include <algorithm>
#include <cstdlib>

#include "shm/ownership.h"

namespace kagami::setup {

std::string default_client_user() {
  const char* sudo_user = std::getenv("SUDO_USER");
  if (sudo_user && *sudo_user && getpwnam(sudo_user)) return sudo_user;
  return shm::current_user_name();
}

std::string default_qemu_user() {
  for (const char* name : {"libvirt-qemu", "qemu"}) {
    if (getpwnam(name)) return name;
  }
  return "";
}

bool is_kvmfr_path(const std::string& path) { return path.starts_with("/dev/kvmfr"); }

bool is_region_file_type(const std::string& path, const struct stat& st) {
  return S_ISREG(st.st_mode) || (S_ISCHR(st.st_mode) && is_kvmfr_path(path));
}

std::vector<Finding> run_doctor(const DoctorOptions& options) {
  std::vector<Finding> findings;
  for (auto check : {check_region, check_region_contents, check_host, check_security, check_libvirt}) {
    auto more = check(options);
    findings.insert(findings.end(), more.begin(), more.end());
  }
  return findings;
}

bool has_problems(const std::vector<Finding>& findings) {
  return std::any_of(findings.begin(), findings.end(),
                     [](const Finding& f) { return f.status == FindingStatus::problem; });
}

std::string format_findings(const std::vector<Finding>& findings) {
  std::string text;
  int problems = 0;
  for (const auto& f : findings) {
    const char* tag = f.status == FindingStatus::ok     ? "[ ok ]"
                      : f.status == FindingStatus::note ? "[note]"
                                                        : "[FAIL]";
    problems += f.status == FindingStatus::problem;
    text += fmt::format("{} {}: {}\n", tag, f.topic, f.message);
    if (!f.fix.empty()) text += fmt::format("       fix: {}\n", f.fix);
  }
  text += problems == 0 ? "No problems found.\n"
                        : fmt::format("{} problem{} found.\n", problems, problems == 1 ? "" : "s");
  return text;
}

}  // namespace kagami::setup
