// Several guest outputs: one region and ivshmem device each, from qemu-args, libvirt, size and
// doctor. The QEMU arguments start the real QEMU with two ivshmem devices; the libvirt XML passes
// libvirt's schema.
#include "setup/outputs.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>

#include "../shm/temp_dir.h"
#include "setup/command.h"
#include "setup/libvirt_setup.h"
#include "setup/libvirt_xml.h"
#include "setup/qemu_args.h"

namespace kagami::setup {
namespace {

using ::testing::HasSubstr;

constexpr const char* kDomain = R"(<domain type='qemu'>
  <name>two-heads</name>
  <memory unit='MiB'>256</memory>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
  </devices>
</domain>
)";

CommandOutput setup(std::vector<std::string> args) {
  args.insert(args.begin(), KAGAMI_SETUP_BIN);
  auto result = run_command(args);
  EXPECT_TRUE(result) << result.error().message;
  return result ? *result : CommandOutput{};
}

std::uint16_t free_tcp_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(Outputs, RegionNames) {
  EXPECT_EQ(output_region("/dev/shm/looking-glass", 0), "/dev/shm/looking-glass");
  EXPECT_EQ(output_region("/dev/shm/looking-glass", 1), "/dev/shm/looking-glass-2");
  EXPECT_EQ(output_region("win10", 2), "win10-3");
}

TEST(Outputs, QemuStartsWithOneIvshmemPerOutput) {
  ASSERT_TRUE(find_program("qemu-system-x86_64")) << "install qemu-system-x86 (scripts/install-deps setup)";
  const std::string shm = "/dev/shm/kagami-outputs-" + std::to_string(getpid());
  QemuArgsRequest request{shm, 16 << 20, free_tcp_port(), 2};
  std::vector<std::string> argv{"timeout",  "60",   "qemu-system-x86_64", "-accel", "tcg",      "-M",   "pc",
                                "-display", "none", "-nodefaults",        "-S",     "-monitor", "stdio"};
  for (const auto& group : qemu_args(request)) {
    argv.insert(argv.end(), group.args.begin(), group.args.end());
  }
  auto result = run_command(argv, "info pci\nquit\n");
  std::error_code ec;
  const auto first = std::filesystem::file_size(shm, ec);
  const auto second = std::filesystem::file_size(shm + "-2", ec);
  std::filesystem::remove(shm, ec);
  std::filesystem::remove(shm + "-2", ec);
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->exit_status, 0) << result->err;
  EXPECT_EQ(count(result->out, "PCI device 1af4:1110"), 2u) << result->out;
  EXPECT_EQ(first, 16u << 20);
  EXPECT_EQ(second, 16u << 20);
}

TEST(Outputs, LibvirtGetsOneValidShmemPerOutput) {
  DomainWants wants{"two-heads", 32 << 20, ""};
  wants.outputs = 3;
  auto edit = edit_domain_xml(kDomain, wants);
  ASSERT_TRUE(edit) << edit.error().message;
  for (const char* name : {"two-heads", "two-heads-2", "two-heads-3"}) {
    EXPECT_THAT(edit->edited, HasSubstr(fmt::format("<shmem name=\"{}\">", name)));
  }
  auto valid = validate_domain_xml(edit->edited);
  EXPECT_TRUE(valid) << (valid ? "" : valid.error().message);
  auto again = edit_domain_xml(edit->edited, wants);
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->changes.empty());  // idempotent

  wants.kvmfr_device = "/dev/kvmfr0";
  EXPECT_FALSE(edit_domain_xml(kDomain, wants));
}

TEST(Outputs, TheProgramSizesPrintsAndChecksEachOutput) {
  auto size = setup({"size", "1920x1080", "2560x1440"});
  EXPECT_EQ(size.exit_status, 0) << size.err;
  EXPECT_THAT(size.out,
              HasSubstr("Output 2 (2560x1440): region /dev/shm/looking-glass-2\n2560x1440 SDR: 64 MiB"));

  test::TempDir dir;
  const std::string xml = dir.write("two.xml", kDomain);
  auto libvirt = setup({"libvirt", "two-heads", "--xml", xml, "--shm", "/dev/shm/two", "--outputs", "2"});
  EXPECT_EQ(libvirt.exit_status, 0) << libvirt.err;
  EXPECT_THAT(libvirt.out, HasSubstr("<shmem name='two-2'>"));
  EXPECT_THAT(libvirt.out, HasSubstr("--outputs 2 --xml"));

  auto doctor = setup({"doctor", "--shm", dir / "region", "--outputs", "2", "--sysfs-root", dir / "sys",
                       "--proc-root", dir / "proc", "--log", "/dev/null", "--no-dmesg", "--client-user",
                       "root", "--qemu-user", "root"});
  EXPECT_EQ(doctor.exit_status, 1);
  EXPECT_THAT(doctor.out, HasSubstr("== output 2: " + (dir / "region-2")));
  EXPECT_EQ(count(doctor.out, "[FAIL] region"), 2u) << doctor.out;
}

}  // namespace
}  // namespace kagami::setup
