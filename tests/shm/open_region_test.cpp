// open_region dispatches on the spec's form; each case is told apart by its backend's own error.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "shm/region.h"
#include "temp_dir.h"

namespace kagami::shm {
namespace {

using ::testing::HasSubstr;

TEST(OpenRegion, KvmfrPathGoesToTheKvmfrBackend) {
  auto region = open_region("/dev/kvmfr9-kagami-test-absent");
  ASSERT_FALSE(region);
  EXPECT_THAT(region.error().message, HasSubstr("modprobe kvmfr"));
}

TEST(OpenRegion, IvshmemWithBdfGoesToThePciBackend) {
  auto region = open_region("ivshmem:ffff:ff:1f.7");
  ASSERT_FALSE(region);
  EXPECT_THAT(region.error().message, HasSubstr("no PCI device ffff:ff:1f.7"));
}

TEST(OpenRegion, AnythingElseIsAnExistingFile) {
  test::TempDir dir;
  auto missing = open_region(dir / "nope");
  ASSERT_FALSE(missing);
  EXPECT_THAT(missing.error().message, HasSubstr("does not exist"));

  ASSERT_TRUE(open_file(dir / "r", {.create = true, .size = 1 << 20}));
  auto region = open_region(dir / "r");
  ASSERT_TRUE(region) << region.error().message;
  EXPECT_EQ((*region)->bytes().size(), 1u << 20);
}

}  // namespace
}  // namespace kagami::shm
