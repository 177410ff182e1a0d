#include "agent/guest_info.h"

#include <gtest/gtest.h>

namespace kagami::agent {
namespace {

TEST(GuestInfo, CpuinfoCountsThreadsCoresSockets) {
  // Two sockets, two cores each, two threads per core = 8 logical CPUs.
  std::string text;
  int processor = 0;
  for (int socket = 0; socket < 2; ++socket) {
    for (int thread = 0; thread < 2; ++thread) {
      for (int core = 0; core < 2; ++core) {
        text += "processor\t: " + std::to_string(processor++) + "\n";
        text += "model name\t: Test CPU @ 3.00GHz\n";
        text += "physical id\t: " + std::to_string(socket) + "\n";
        text += "core id\t\t: " + std::to_string(core) + "\n\n";
      }
    }
  }
  const CpuCounts c = parse_cpuinfo(text);
  EXPECT_EQ(c.cpus, 8u);
  EXPECT_EQ(c.cores, 4u);
  EXPECT_EQ(c.sockets, 2u);
  EXPECT_EQ(c.model, "Test CPU @ 3.00GHz");
}

TEST(GuestInfo, CpuinfoWithoutTopology) {
  // Some virtual CPUs give no physical/core ids: one socket, one core per CPU.
  const CpuCounts c = parse_cpuinfo("processor : 0\nmodel name : QEMU Virtual CPU\n\nprocessor : 1\n");
  EXPECT_EQ(c.cpus, 2u);
  EXPECT_EQ(c.cores, 2u);
  EXPECT_EQ(c.sockets, 1u);
  EXPECT_EQ(c.model, "QEMU Virtual CPU");
}

TEST(GuestInfo, OsRelease) {
  EXPECT_EQ(parse_os_release("NAME=\"Debian GNU/Linux\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"),
            "Debian GNU/Linux 12 (bookworm)");
  EXPECT_EQ(parse_os_release("NAME='Alpine'\n"), "Alpine");
  EXPECT_EQ(parse_os_release(""), "Linux");
}

TEST(GuestInfo, CollectedFromThisMachine) {
  const auto info = collect_guest_info("pattern");
  ASSERT_TRUE(info.vm);
  EXPECT_EQ(info.vm->capture, "pattern");
  EXPECT_GE(info.vm->cpus, 1);
  EXPECT_FALSE(info.vm->model.empty());
  ASSERT_TRUE(info.os);
  EXPECT_EQ(info.os->os, static_cast<std::uint8_t>(protocol::KvmfrOs::linux));
  EXPECT_FALSE(info.os->name.empty());
  EXPECT_EQ(info.features & protocol::kKvmfrFeatureSetCursorPos, protocol::kKvmfrFeatureSetCursorPos);
  EXPECT_EQ(info.host_version.rfind("kagami ", 0), 0u);
}

}  // namespace
}  // namespace kagami::agent
