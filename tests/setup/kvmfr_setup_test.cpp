#include "setup/kvmfr_setup.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "../shm/temp_dir.h"

namespace kagami::setup {
namespace {

using test::TempDir;
using ::testing::HasSubstr;

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(KvmfrSetup, WritesModprobeOptionsModulesLoadAndUdevRule) {
  TempDir dir;
  dir.write("modules/extra/kvmfr.ko.xz", "");
  KvmfrRequest request{.size = 64 << 20,
                       .user = "alice",
                       .group = "kvm",
                       .mode = 0660,
                       .etc_dir = dir / "etc",
                       .modules_dir = dir / "modules",
                       .dry_run = false};
  std::ostringstream out;
  auto done = setup_kvmfr(request, out);
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_THAT(read(dir / "etc/modprobe.d/kvmfr.conf"), HasSubstr("\noptions kvmfr static_size_mb=64\n"));
  EXPECT_EQ(read(dir / "etc/modules-load.d/kvmfr.conf"), "kvmfr\n");
  EXPECT_THAT(read(dir / "etc/udev/rules.d/99-kvmfr.rules"),
              HasSubstr("\nSUBSYSTEM==\"kvmfr\", OWNER=\"alice\", GROUP=\"kvm\", MODE=\"0660\"\n"));
  EXPECT_THAT(out.str(), HasSubstr("write: " + (dir / "etc/udev/rules.d/99-kvmfr.rules")));
  EXPECT_THAT(out.str(), HasSubstr("sudo modprobe kvmfr"));
  // The lines docs/setup.md promises, ready to paste.
  EXPECT_THAT(out.str(), HasSubstr("       cgroup_device_acl = [\n"));
  EXPECT_THAT(out.str(), HasSubstr("           \"/dev/kvmfr0\"\n       ]\n"));
  EXPECT_THAT(out.str(),
              HasSubstr("/etc/apparmor.d/local/abstractions/libvirt-qemu:\n       /dev/kvmfr0 rw,\n"));
}

TEST(KvmfrSetup, DryRunWritesNothing) {
  TempDir dir;
  dir.write("modules/kvmfr.ko", "");
  KvmfrRequest request{
      .user = "alice", .etc_dir = dir / "etc", .modules_dir = dir / "modules", .dry_run = true};
  std::ostringstream out;
  ASSERT_TRUE(setup_kvmfr(request, out));
  EXPECT_FALSE(std::filesystem::exists(dir / "etc"));
  EXPECT_THAT(out.str(), HasSubstr("would write: " + (dir / "etc/modprobe.d/kvmfr.conf")));
}

TEST(KvmfrSetup, DryRunWorksWithoutTheModule) {
  TempDir dir;
  std::filesystem::create_directories(dir / "modules");  // no kvmfr.ko in it
  KvmfrRequest request{
      .user = "alice", .etc_dir = dir / "etc", .modules_dir = dir / "modules", .dry_run = true};
  std::ostringstream out;
  auto done = setup_kvmfr(request, out);
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_THAT(out.str(), HasSubstr("Note: the kvmfr module is not installed"));
  EXPECT_THAT(out.str(), HasSubstr("would write: " + (dir / "etc/modprobe.d/kvmfr.conf")));
  EXPECT_THAT(out.str(), HasSubstr("cgroup_device_acl"));
  EXPECT_FALSE(std::filesystem::exists(dir / "etc"));
}

TEST(KvmfrSetup, MissingModuleSaysWhatToDoInstead) {
  TempDir dir;
  dir.write("modules/kernel/other.ko", "");
  KvmfrRequest request{.user = "alice", .etc_dir = dir / "etc", .modules_dir = dir / "modules"};
  std::ostringstream out;
  auto done = setup_kvmfr(request, out);
  ASSERT_FALSE(done);
  EXPECT_THAT(done.error().message, HasSubstr("kvmfr module is not installed"));
  EXPECT_THAT(done.error().message, HasSubstr("/dev/shm/looking-glass"));
  EXPECT_FALSE(kvmfr_module_available(dir / "modules", dir / "sys"));
  dir.write("sys/module/kvmfr/refcnt", "0");
  EXPECT_TRUE(kvmfr_module_available(dir / "modules", dir / "sys"));
}

}  // namespace
}  // namespace kagami::setup
