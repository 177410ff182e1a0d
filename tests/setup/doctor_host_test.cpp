// doctor's host checks against crafted sysfs/proc trees and log files in a temp dir.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "../shm/temp_dir.h"
#include "finding_matcher.h"
#include "setup/doctor.h"

namespace kagami::setup {
namespace {

using test::TempDir;
using ::testing::Contains;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::Not;

class DoctorHost : public ::testing::Test {
 protected:
  DoctorHost() {
    options_.sysfs_root = dir_ / "sys";
    options_.proc_root = dir_ / "proc";
    options_.logs = {dir_ / "audit.log"};
    options_.read_kernel_log = false;  // the crafted log only
    options_.shm_path = "/dev/shm/kagami-doctor-test";
    dir_.write("proc/cmdline", "BOOT_IMAGE=/vmlinuz root=/dev/sda1 quiet\n");
    dir_.write("proc/cpuinfo", "vendor_id\t: GenuineIntel\n");
    std::filesystem::create_directories(dir_ / "sys/kernel/iommu_groups");
  }
  void add_gpu(const std::string& bdf, const std::string& ids, const std::string& driver) {
    std::string d = "sys/bus/pci/devices/" + bdf + "/";
    dir_.write(d + "class", "0x030000\n");
    dir_.write(d + "vendor", "0x" + ids.substr(0, 4) + "\n");
    dir_.write(d + "device", "0x" + ids.substr(5) + "\n");
    if (!driver.empty()) {
      std::filesystem::create_directory_symlink("../../../bus/pci/drivers/" + driver, dir_ / (d + "driver"));
    }
  }
  void add_iommu_groups(int n) {
    for (int i = 0; i < n; ++i)
      std::filesystem::create_directories(dir_ / ("sys/kernel/iommu_groups/" + std::to_string(i)));
  }

  TempDir dir_;
  DoctorOptions options_;
};

TEST_F(DoctorHost, IommuOffIsANoteWithTheIntelKernelFlag) {
  auto findings = check_host(options_);
  EXPECT_THAT(findings, Contains(finding(FindingStatus::note, "iommu", "the IOMMU is off")));
  EXPECT_THAT(findings, Contains(Field(&Finding::fix, HasSubstr("intel_iommu=on iommu=pt"))));
  EXPECT_FALSE(has_problems(findings));
}

TEST_F(DoctorHost, IommuAskedForButAbsentPointsAtFirmware) {
  dir_.write("proc/cmdline", "root=/dev/sda1 amd_iommu=on\n");
  dir_.write("proc/cpuinfo", "vendor_id\t: AuthenticAMD\n");
  EXPECT_THAT(check_host(options_), Contains(Field(&Finding::fix, HasSubstr("firmware"))));
}

TEST_F(DoctorHost, IommuGroupsAreCounted) {
  add_iommu_groups(3);
  EXPECT_THAT(check_host(options_), Contains(finding(FindingStatus::ok, "iommu", "on (3 groups)")));
}

TEST_F(DoctorHost, VfioGpuWithIommuIsReady) {
  add_iommu_groups(2);
  add_gpu("0000:00:02.0", "8086:3e92", "i915");
  add_gpu("0000:01:00.0", "10de:1b80", "vfio-pci");
  auto findings = check_host(options_);
  EXPECT_THAT(findings, Contains(finding(FindingStatus::ok, "vfio",
                                         "GPU 0000:01:00.0 (10de:1b80) is bound to vfio-pci")));
  EXPECT_FALSE(has_problems(findings));
}

TEST_F(DoctorHost, VfioGpuWithoutIommuIsAProblem) {
  add_gpu("0000:01:00.0", "10de:1b80", "vfio-pci");
  EXPECT_THAT(check_host(options_),
              Contains(finding(FindingStatus::problem, "iommu", "passthrough cannot work")));
}

TEST_F(DoctorHost, SecondGpuNotOnVfioGetsTheBindCommand) {
  add_iommu_groups(1);
  add_gpu("0000:00:02.0", "8086:3e92", "i915");
  add_gpu("0000:01:00.0", "10de:1b80", "nouveau");
  auto findings = check_host(options_);
  EXPECT_THAT(findings, Contains(finding(FindingStatus::note, "vfio",
                                         "no GPU is bound to vfio-pci (GPU 0000:01:00.0")));
  EXPECT_THAT(findings, Contains(Field(&Finding::fix, HasSubstr("options vfio-pci ids=10de:1b80"))));
}

TEST_F(DoctorHost, KvmfrPathNeedsTheModule) {
  options_.shm_path = "/dev/kvmfr0";
  EXPECT_THAT(check_host(options_), Contains(finding(FindingStatus::problem, "kvmfr", "not loaded")));
  // The fix repeats the resolution, so the module gets the size the doctor checked against.
  options_.resolution = Resolution{2560, 1440};
  EXPECT_THAT(
      check_host(options_),
      Contains(Field(&Finding::fix, HasSubstr("sudo kagami-setup shm --path /dev/kvmfr0 --for 2560x1440 && "
                                              "sudo modprobe kvmfr"))));
  std::filesystem::create_directories(dir_ / "sys/module/kvmfr");
  EXPECT_THAT(check_host(options_), Contains(finding(FindingStatus::ok, "kvmfr", "loaded")));
}

TEST_F(DoctorHost, AppArmorDenialForTheRegionIsFound) {
  dir_.write("sys/module/apparmor/parameters/enabled", "Y\n");
  dir_.write("audit.log",
             "type=AVC msg=audit(1.1:2): apparmor=\"DENIED\" operation=\"open\" profile=\"libvirt-1234\" "
             "name=\"/dev/shm/other\" requested_mask=\"wr\"\n"
             "type=AVC msg=audit(1.2:3): apparmor=\"DENIED\" operation=\"open\" profile=\"libvirt-1234\" "
             "name=\"/dev/shm/kagami-doctor-test\" requested_mask=\"wr\"\n");
  auto findings = check_security(options_);
  EXPECT_THAT(findings, Contains(finding(FindingStatus::problem, "apparmor",
                                         "1 AppArmor denial(s) for /dev/shm/kagami-doctor-test")));
  EXPECT_THAT(findings, Contains(Field(&Finding::fix, HasSubstr("'/dev/shm/kagami-doctor-test rw,'"))));
}

TEST_F(DoctorHost, SelinuxDenialForTheRegionIsFound) {
  dir_.write("sys/fs/selinux/enforce", "1");
  dir_.write("audit.log",
             "type=AVC msg=audit(1.1:2): avc:  denied  { read write } for pid=1 comm=\"qemu-kvm\" "
             "path=\"/dev/shm/kagami-doctor-test\" scontext=system_u:system_r:svirt_t:s0\n");
  auto findings = check_security(options_);
  EXPECT_THAT(findings, Contains(finding(FindingStatus::problem, "selinux", "1 SELinux denial(s)")));
  EXPECT_THAT(findings, Contains(Field(&Finding::fix, HasSubstr("svirt_tmpfs_t"))));
}

TEST_F(DoctorHost, AppArmorWithoutDenialsIsOk) {
  dir_.write("sys/module/apparmor/parameters/enabled", "Y\n");
  dir_.write("audit.log", "nothing to see\n");
  auto findings = check_security(options_);
  EXPECT_THAT(findings, Contains(finding(FindingStatus::ok, "security", "AppArmor is active; no denial")));
  EXPECT_THAT(findings, Not(Contains(Field(&Finding::status, FindingStatus::problem))));
}

}  // namespace
}  // namespace kagami::setup
