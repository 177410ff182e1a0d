// doctor: does the libvirt domain have what kagami needs? Same rules as `kagami-setup libvirt`.
#include <fmt/format.h>
#include <sys/stat.h>

#include <filesystem>

#include "setup/doctor.h"
#include "setup/libvirt_setup.h"
#include "setup/libvirt_xml.h"

namespace kagami::setup {

std::vector<Finding> check_libvirt(const DoctorOptions& options) {
  std::vector<Finding> out;
  if (!options.domain) return out;
  std::string connect = options.connect_uri.empty() ? "" : " --connect " + options.connect_uri;
  auto xml = virsh_dumpxml(options.connect_uri, *options.domain);
  if (!xml) {
    out.push_back(
        {FindingStatus::problem, "libvirt", xml.error().message, "virsh" + connect + " list --all"});
    return out;
  }
  DomainWants wants;
  wants.shmem_name = std::filesystem::path(options.shm_path).filename().string();
  if (options.shm_path.starts_with("/dev/kvmfr")) wants.kvmfr_device = options.shm_path;
  struct stat st {};
  if (options.resolution)
    wants.shmem_bytes = region_size_for(*options.resolution, options.hdr).region_bytes;
  else if (stat(options.shm_path.c_str(), &st) == 0 && st.st_size > 0)
    wants.shmem_bytes = static_cast<std::uint64_t>(st.st_size);
  auto edit = edit_domain_xml(*xml, wants);
  if (!edit) {
    out.push_back({FindingStatus::problem, "libvirt", edit.error().message, ""});
    return out;
  }
  // A domain set up Looking Glass's way (no tablet, <video><model type='none'/>) is as good.
  DomainWants gpu_only = wants;
  gpu_only.gpu_only = true;
  if (!edit->changes.empty()) {
    if (auto lg = edit_domain_xml(*xml, gpu_only); lg && lg->changes.empty()) {
      out.push_back({FindingStatus::ok, "libvirt",
                     fmt::format("domain {} has every device kagami needs (Looking Glass's way: no tablet, "
                                 "the passed-through GPU as the only display)",
                                 *options.domain),
                     ""});
      return out;
    }
  }
  for (const auto& warning : edit->warnings) {
    out.push_back(
        {FindingStatus::note, "libvirt", fmt::format("domain {}: {}", *options.domain, warning), ""});
  }
  std::string fix =
      fmt::format("kagami-setup libvirt {}{} --size {}M --shm {}   (shows the diff; add --apply)",
                  *options.domain, connect, wants.shmem_bytes / kMiB, options.shm_path);
  for (const auto& change : edit->changes) {
    out.push_back({FindingStatus::problem, "libvirt",
                   fmt::format("domain {} needs: {}", *options.domain, change), fix});
  }
  if (edit->changes.empty()) {
    out.push_back({FindingStatus::ok, "libvirt",
                   fmt::format("domain {} has every device kagami needs", *options.domain), ""});
  }
  return out;
}

}  // namespace kagami::setup
