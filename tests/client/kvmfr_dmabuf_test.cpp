// The kvmfr DMA-BUF uapi as Looking Glass's module/kvmfr.h defines it: struct layout, ioctl
// numbers, and a clear error (the fallback path) on anything that is not the device.
#include "client/kvmfr_dmabuf.h"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

namespace kagami::client::kvmfr {
namespace {

TEST(KvmfrDmabuf, IoctlNumbersAndLayoutMatchTheKernelModule) {
  // _IOW('u', 0x42, struct kvmfr_dmabuf_create): write direction (1 << 30), size 24 << 16,
  // type 'u' (0x75) << 8, number 0x42. _IO('u', 0x44): no direction, no size.
  EXPECT_EQ(kIoctlDmabufCreate, 0x40187542ul);
  EXPECT_EQ(kIoctlDmabufGetSize, 0x7544ul);
  EXPECT_EQ(sizeof(DmabufCreate), 24u);
  DmabufCreate c;
  c.flags = kDmabufFlagCloexec;
  c.offset = 0x1122334455667788ull;
  c.size = 0x0102030405060708ull;
  const auto* bytes = reinterpret_cast<const unsigned char*>(&c);
  EXPECT_EQ(bytes[0], 0x01);
  EXPECT_EQ(bytes[8], 0x88);   // little-endian u64 at offset 8
  EXPECT_EQ(bytes[16], 0x08);  // and at 16
}

TEST(KvmfrDmabuf, AnythingButTheDeviceIsRefusedWithAReason) {
  const int fd = memfd_create("not-kvmfr", MFD_CLOEXEC);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(ftruncate(fd, 1 << 20), 0);
  auto made = create_dmabuf(fd, 0, 1 << 20);
  ASSERT_FALSE(made.ok());
  EXPECT_NE(made.error().message.find("not a kvmfr device"), std::string::npos) << made.error().message;
  EXPECT_EQ(dmabuf_unavailable_reason(fd), "the region is not a kvmfr device");
  EXPECT_EQ(dmabuf_unavailable_reason(-1), "the region is not a kvmfr device");
  close(fd);
}

TEST(KvmfrDmabuf, SpansMustBePageAligned) {
  const auto page = static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
  for (auto [offset, size] : {std::pair{page / 2, page}, std::pair{0ul, page + 1}, std::pair{0ul, 0ul}}) {
    auto made = create_dmabuf(-1, offset, size);
    ASSERT_FALSE(made.ok());
    EXPECT_NE(made.error().message.find("page-aligned"), std::string::npos) << made.error().message;
  }
}

}  // namespace
}  // namespace kagami::client::kvmfr
