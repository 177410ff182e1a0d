#include "shm/windows/ivshmem_select.h"

#include <gtest/gtest.h>

namespace kagami::shm {
namespace {

TEST(IvshmemSpec, Forms) {
  EXPECT_TRUE(is_ivshmem_spec("ivshmem"));
  EXPECT_TRUE(is_ivshmem_spec("ivshmem:1"));
  EXPECT_FALSE(is_ivshmem_spec("ivshmemx"));
  EXPECT_FALSE(is_ivshmem_spec("Z:\\dev\\shm\\looking-glass"));
  auto plain = parse_ivshmem_spec("ivshmem");
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->index);
  EXPECT_FALSE(plain->size);
  EXPECT_EQ(parse_ivshmem_spec("ivshmem:2")->index, 2u);
  EXPECT_EQ(parse_ivshmem_spec("ivshmem:64M")->size, 64ull << 20);
  EXPECT_EQ(parse_ivshmem_spec("ivshmem:1G")->size, 1ull << 30);
  EXPECT_FALSE(parse_ivshmem_spec("ivshmem:"));
  EXPECT_FALSE(parse_ivshmem_spec("ivshmem:64K"));
  EXPECT_FALSE(parse_ivshmem_spec("ivshmem:x"));
}

std::vector<IvshmemDevice> devices() {
  // Enumeration order is not PCI order: B7 sorts by (bus << 32 | address).
  return {{1, 0x00030000, 64 << 20, 0}, {0, 0x00050000, 32 << 20, 1}, {0, 0x00040000, 16 << 20, 2}};
}

TEST(IvshmemSelect, SortedByBusThenAddress) {
  auto list = devices();
  sort_ivshmem_devices(list);
  EXPECT_EQ(list[0].enumeration_index, 2u);
  EXPECT_EQ(list[1].enumeration_index, 1u);
  EXPECT_EQ(list[2].enumeration_index, 0u);
}

TEST(IvshmemSelect, ByIndexOrSize) {
  auto list = devices();
  sort_ivshmem_devices(list);
  EXPECT_EQ(*select_ivshmem_device(list, {}), 0u);
  EXPECT_EQ(*select_ivshmem_device(list, {2, std::nullopt}), 2u);
  EXPECT_EQ(*select_ivshmem_device(list, {std::nullopt, 32ull << 20}), 1u);
  auto missing = select_ivshmem_device(list, {std::nullopt, 128ull << 20});
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("#2 bus 1, device 3, function 0, 64 MiB"), std::string::npos)
      << missing.error().message;
  EXPECT_FALSE(select_ivshmem_device(list, {3, std::nullopt}));
  EXPECT_FALSE(select_ivshmem_device({}, {}));
}

TEST(IvshmemSelect, UnknownLocationIsSaidSo) {
  EXPECT_EQ(describe_ivshmem_device({}), "bus ?, address ?, size unknown");
}

}  // namespace
}  // namespace kagami::shm
