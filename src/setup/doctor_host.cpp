// doctor: the host's kernel side — kvmfr module, IOMMU, GPUs bound to vfio-pci (sysfs and /proc).
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "setup/doctor.h"

namespace kagami::setup {
namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  std::string s = text.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

struct Gpu {
  std::string bdf, ids, driver;
};

std::vector<Gpu> find_gpus(const fs::path& sysfs) {
  std::vector<Gpu> gpus;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(sysfs / "bus/pci/devices", ec)) {
    if (!read_text(entry.path() / "class").starts_with("0x03")) continue;  // PCI class 03: display
    auto id = [&](const char* name) { return read_text(entry.path() / name).substr(2); };
    std::string driver = fs::read_symlink(entry.path() / "driver", ec).filename().string();
    gpus.push_back({entry.path().filename().string(), id("vendor") + ":" + id("device"), ec ? "" : driver});
  }
  std::sort(gpus.begin(), gpus.end(), [](const Gpu& a, const Gpu& b) { return a.bdf < b.bdf; });
  return gpus;
}

void check_kvmfr(const DoctorOptions& options, std::vector<Finding>& out) {
  bool loaded = fs::exists(fs::path(options.sysfs_root) / "module/kvmfr");
  if (options.shm_path.starts_with("/dev/kvmfr")) {
    if (loaded)
      out.push_back({FindingStatus::ok, "kvmfr", "the kvmfr module is loaded", ""});
    else
      out.push_back({FindingStatus::problem, "kvmfr",
                     fmt::format("{} needs the kvmfr module, which is not loaded", options.shm_path),
                     fmt::format("sudo kagami-setup shm --path {}{} && sudo modprobe kvmfr", options.shm_path,
                                 options.resolution
                                     ? fmt::format(" --for {}x{}{}", options.resolution->width,
                                                   options.resolution->height, options.hdr ? " --hdr" : "")
                                     : "")});
  } else if (loaded) {
    out.push_back(
        {FindingStatus::note, "kvmfr", "the kvmfr module is loaded; /dev/kvmfr0 could replace the file", ""});
  }
}

void check_iommu_and_vfio(const DoctorOptions& options, std::vector<Finding>& out) {
  fs::path sysfs(options.sysfs_root);
  std::error_code ec;
  auto groups =
      std::distance(fs::directory_iterator(sysfs / "kernel/iommu_groups", ec), fs::directory_iterator());
  if (ec) groups = 0;
  std::vector<Gpu> gpus = find_gpus(sysfs);
  bool passthrough =
      std::any_of(gpus.begin(), gpus.end(), [](const Gpu& g) { return g.driver == "vfio-pci"; });

  if (groups > 0) {
    out.push_back({FindingStatus::ok, "iommu", fmt::format("the IOMMU is on ({} groups)", groups), ""});
  } else {
    std::string cmdline = read_text(fs::path(options.proc_root) / "cmdline");
    bool amd = read_text(fs::path(options.proc_root) / "cpuinfo").find("AuthenticAMD") != std::string::npos;
    std::string flag = amd ? "amd_iommu=on" : "intel_iommu=on";
    std::string fix = cmdline.find("iommu=on") != std::string::npos
                          ? "the kernel command line asks for it: enable VT-d / AMD-Vi in the firmware setup"
                          : fmt::format(
                                "add `{} iommu=pt` to GRUB_CMDLINE_LINUX in /etc/default/grub, "
                                "`sudo update-grub`, reboot",
                                flag);
    out.push_back({passthrough ? FindingStatus::problem : FindingStatus::note, "iommu",
                   passthrough ? "a GPU is bound to vfio-pci but the IOMMU is off: passthrough cannot work"
                               : "the IOMMU is off (only needed to pass a GPU through to the guest)",
                   fix});
  }
  for (const auto& gpu : gpus) {
    if (gpu.driver == "vfio-pci") {
      out.push_back({FindingStatus::ok, "vfio",
                     fmt::format("GPU {} ({}) is bound to vfio-pci, ready for passthrough", gpu.bdf, gpu.ids),
                     ""});
    }
  }
  if (!passthrough && gpus.size() > 1) {
    const Gpu& gpu = gpus.back();
    out.push_back(
        {FindingStatus::note, "vfio",
         fmt::format("no GPU is bound to vfio-pci (GPU {} {} uses {}): fine with an emulated guest GPU",
                     gpu.bdf, gpu.ids, gpu.driver.empty() ? "no driver" : gpu.driver),
         fmt::format(
             "to pass {} through: `echo 'options vfio-pci ids={}' | sudo tee /etc/modprobe.d/vfio.conf`, "
             "`sudo update-initramfs -u`, reboot",
             gpu.bdf, gpu.ids)});
  }
}

}  // namespace

std::vector<Finding> check_host(const DoctorOptions& options) {
  std::vector<Finding> out;
  check_kvmfr(options, out);
  check_iommu_and_vfio(options, out);
  return out;
}

}  // namespace kagami::setup
