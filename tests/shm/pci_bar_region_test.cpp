// open_pci_bar against a fake sysfs tree: regular files stand in for the sysfs attributes, and a
// regular file of the BAR's size stands in for resource2 (mmap works the same on it).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "shm/region.h"
#include "temp_dir.h"

namespace kagami::shm {
namespace {

using test::TempDir;
using ::testing::HasSubstr;

constexpr std::uint64_t kMiB = 1024 * 1024;

// Adds a PCI device directory with the given ids; a BAR file `bar_name` of `bar_size` bytes if > 0.
std::string add_device(const TempDir& sysfs, const std::string& bdf, const std::string& vendor,
                       const std::string& device, const std::string& enable = "1\n",
                       const std::string& bar_name = "resource2", std::uint64_t bar_size = 4 * kMiB) {
  std::string dir = "bus/pci/devices/" + bdf + "/";
  sysfs.write(dir + "vendor", vendor + "\n");
  sysfs.write(dir + "device", device + "\n");
  sysfs.write(dir + "enable", enable);
  if (bar_size > 0) {
    std::string bar = sysfs.write(dir + bar_name, "");
    std::filesystem::resize_file(bar, bar_size);
  }
  return sysfs / dir;
}

TEST(PciBarRegion, FindsIvshmemAmongOtherDevicesAndMapsResource2) {
  TempDir sysfs;
  add_device(sysfs, "0000:00:01.0", "0x8086", "0x1237");
  add_device(sysfs, "0000:00:02.0", "0x1af4", "0x1000");  // virtio-net: same vendor, other device
  std::string dir = add_device(sysfs, "0000:00:04.0", "0x1af4", "0x1110");
  auto region = open_pci_bar(std::nullopt, sysfs.path().string());
  ASSERT_TRUE(region) << region.error().message;
  EXPECT_EQ((*region)->bytes().size(), 4 * kMiB);
  EXPECT_EQ((*region)->describe(), dir + "resource2 (4 MiB PCI BAR2)");

  std::memcpy((*region)->bytes().data() + 100, "bar", 3);
  std::ifstream in(dir + "resource2");
  in.seekg(100);
  char back[3];
  in.read(back, 3);
  EXPECT_EQ(std::string(back, 3), "bar");
}

TEST(PciBarRegion, PrefersWriteCombinedResource) {
  TempDir sysfs;
  std::string dir = add_device(sysfs, "0000:00:03.0", "0x1af4", "0x1110");
  std::filesystem::resize_file(sysfs.write("bus/pci/devices/0000:00:03.0/resource2_wc", ""), 8 * kMiB);
  auto region = open_pci_bar(std::nullopt, sysfs.path().string());
  ASSERT_TRUE(region) << region.error().message;
  EXPECT_EQ((*region)->bytes().size(), 8 * kMiB);
  EXPECT_THAT((*region)->describe(), HasSubstr("resource2_wc"));
}

TEST(PciBarRegion, PicksTheLowestAddressFirstAndHonoursAnExplicitBdf) {
  TempDir sysfs;
  add_device(sysfs, "0000:00:09.0", "0x1af4", "0x1110", "1\n", "resource2", 2 * kMiB);
  add_device(sysfs, "0000:00:05.0", "0x1af4", "0x1110", "1\n", "resource2", 1 * kMiB);
  auto first = open_pci_bar(std::nullopt, sysfs.path().string());
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ((*first)->bytes().size(), 1 * kMiB);
  auto chosen = open_pci_bar("0000:00:09.0", sysfs.path().string());
  ASSERT_TRUE(chosen) << chosen.error().message;
  EXPECT_EQ((*chosen)->bytes().size(), 2 * kMiB);
}

TEST(PciBarRegion, EnablesADisabledDevice) {
  TempDir sysfs;
  std::string dir = add_device(sysfs, "0000:00:04.0", "0x1af4", "0x1110", "0\n");
  auto region = open_pci_bar(std::nullopt, sysfs.path().string());
  ASSERT_TRUE(region) << region.error().message;
  std::ifstream in(dir + "enable");
  int enabled = -1;
  in >> enabled;
  EXPECT_EQ(enabled, 1);
}

TEST(PciBarRegion, NoDeviceSaysHowToAddOne) {
  TempDir sysfs;
  add_device(sysfs, "0000:00:01.0", "0x8086", "0x1237");
  auto region = open_pci_bar(std::nullopt, sysfs.path().string());
  ASSERT_FALSE(region);
  EXPECT_THAT(region.error().message, HasSubstr("no ivshmem device (PCI 1af4:1110)"));
  EXPECT_THAT(region.error().message, HasSubstr("kagami-setup qemu-args"));
}

TEST(PciBarRegion, ExplicitBdfOfAnotherDeviceIsRefused) {
  TempDir sysfs;
  add_device(sysfs, "0000:00:01.0", "0x8086", "0x1237");
  auto region = open_pci_bar("0000:00:01.0", sysfs.path().string());
  ASSERT_FALSE(region);
  EXPECT_THAT(region.error().message, HasSubstr("is 8086:1237, not ivshmem"));
  auto absent = open_pci_bar("0000:00:07.0", sysfs.path().string());
  ASSERT_FALSE(absent);
  EXPECT_THAT(absent.error().message, HasSubstr("no PCI device 0000:00:07.0"));
}

TEST(PciBarRegion, MissingBarFileIsAnError) {
  TempDir sysfs;
  add_device(sysfs, "0000:00:04.0", "0x1af4", "0x1110", "1\n", "resource2", 0);
  auto region = open_pci_bar(std::nullopt, sysfs.path().string());
  ASSERT_FALSE(region);
  EXPECT_THAT(region.error().message, HasSubstr("resource2"));
}

}  // namespace
}  // namespace kagami::shm
