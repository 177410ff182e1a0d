// doctor: what the guest wrote into the region — protocol versions and the agent's heartbeat.
#include <fmt/format.h>
#include <sys/stat.h>

#include <filesystem>
#include <thread>

#include "protocol/kvmfr_layout.h"
#include "protocol/lgmp_layout.h"
#include "setup/doctor.h"
#include "setup/region_probe.h"

namespace kagami::setup {
namespace {

constexpr const char* kStartAgent =
    "start kagami-agent in the guest (Linux: `sudo systemctl enable --now kagami-agent`, or `sudo "
    "kagami-agent "
    "--device ivshmem`; Windows: the kagami-agent service), and "
    "check the guest has the ivshmem device (`lspci -d 1af4:1110` in the guest)";

std::string version_name(std::uint32_t kvmfr_version) {
  std::string release = looking_glass_release(kvmfr_version);
  return release.empty() ? fmt::format("KVMFR {}", kvmfr_version)
                         : fmt::format("KVMFR {} ({})", kvmfr_version, release);
}

}  // namespace

std::vector<Finding> check_region_contents(const DoctorOptions& options) {
  std::vector<Finding> out;
  // Only a real region is read (check_region reports anything else): opening a FIFO would block,
  // and /dev/zero would read as an "all zeros" region.
  struct stat st {};
  if (stat(options.shm_path.c_str(), &st) != 0 || !is_region_file_type(options.shm_path, st)) return out;
  auto bytes = read_region_start(options.shm_path);
  if (!bytes) {
    // A missing region is check_region's finding; one we cannot read hides the agent's state.
    if (std::filesystem::exists(options.shm_path)) {
      out.push_back({FindingStatus::note, "agent",
                     fmt::format("cannot read the region to check the agent: {}", bytes.error().message),
                     "sudo kagami-setup doctor --shm " + options.shm_path});
    }
    return out;
  }
  RegionHeader header = parse_region_header(*bytes);
  if (header.all_zero) {
    out.push_back({FindingStatus::problem, "agent",
                   "the region is all zeros: no agent has written to it since it was created", kStartAgent});
    return out;
  }
  if (header.lgmp_magic != protocol::kLgmpMagic) {
    out.push_back(
        {FindingStatus::problem, "protocol",
         fmt::format("the region does not start with an LGMP header (magic 0x{:08x}): something else "
                     "uses this file, or the guest is not running an agent",
                     header.lgmp_magic),
         kStartAgent});
    return out;
  }
  if (header.lgmp_version != protocol::kLgmpVersion) {
    out.push_back({FindingStatus::problem, "protocol",
                   fmt::format("the guest speaks LGMP {}; kagami speaks LGMP {} (Looking Glass B7)",
                               header.lgmp_version, protocol::kLgmpVersion),
                   "install kagami-agent (or a Looking Glass B7 host) in the guest, matching this kagami"});
    return out;
  }
  if (!header.has_kvmfr) {
    out.push_back({FindingStatus::problem, "protocol",
                   "LGMP is there but its user data holds no KVMFR header",
                   "run kagami-agent or the Looking Glass B7 host in the guest, not another LGMP program"});
  } else if (header.kvmfr_version != protocol::kKvmfrVersion) {
    out.push_back({FindingStatus::problem, "protocol",
                   fmt::format("the guest speaks {}; kagami speaks {}", version_name(header.kvmfr_version),
                               version_name(protocol::kKvmfrVersion)),
                   fmt::format("install kagami-agent or the {} host in the guest",
                               looking_glass_release(protocol::kKvmfrVersion))});
  } else {
    out.push_back({FindingStatus::ok, "protocol",
                   fmt::format("the guest speaks {}, host version \"{}\"", version_name(header.kvmfr_version),
                               header.host_version),
                   ""});
  }

  // The agent advances the heartbeat timestamp every few ms; LGMP clients give up after 1 s.
  std::this_thread::sleep_for(options.heartbeat_wait);
  auto later = read_region_start(options.shm_path);
  if (!later) return out;
  RegionHeader after = parse_region_header(*later);
  if (after.timestamp == header.timestamp && after.session_id == header.session_id) {
    out.push_back({FindingStatus::problem, "agent",
                   fmt::format("the agent is not running: its heartbeat stayed at {} for {} ms",
                               header.timestamp, options.heartbeat_wait.count()),
                   kStartAgent});
  } else {
    out.push_back({FindingStatus::ok, "agent", "the agent is running (its heartbeat moves)", ""});
  }
  return out;
}

}  // namespace kagami::setup
