// open_kvmfr's checks. No kvmfr module here: these cover everything up to the ioctl, and the ioctl
// failing on a character device that is not kvmfr.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "shm/region.h"
#include "temp_dir.h"

namespace kagami::shm {
namespace {

using test::TempDir;
using ::testing::HasSubstr;

TEST(KvmfrRegion, MissingDeviceSaysToLoadTheModule) {
  TempDir dir;
  auto region = open_kvmfr(dir / "kvmfr0");
  ASSERT_FALSE(region);
  EXPECT_THAT(region.error().message, HasSubstr("modprobe kvmfr"));
}

TEST(KvmfrRegion, RegularFileLeftByQemuIsExplained) {
  TempDir dir;
  std::string path = dir.write("kvmfr0", "stale");
  auto region = open_kvmfr(path);
  ASSERT_FALSE(region);
  EXPECT_THAT(region.error().message, HasSubstr("is a regular file, not the kvmfr device"));
  EXPECT_THAT(region.error().message, HasSubstr("sudo rm " + path));
}

TEST(KvmfrRegion, OtherCharacterDeviceFailsTheSizeIoctl) {
  auto region = open_kvmfr("/dev/null");
  ASSERT_FALSE(region);
  EXPECT_THAT(region.error().message, HasSubstr("KVMFR_DMABUF_GETSIZE failed"));
}

TEST(KvmfrRegion, DirectoryIsNotACharacterDevice) {
  TempDir dir;
  auto region = open_kvmfr(dir.path().string());
  ASSERT_FALSE(region);
  EXPECT_THAT(region.error().message, HasSubstr("not a character device"));
}

}  // namespace
}  // namespace kagami::shm
