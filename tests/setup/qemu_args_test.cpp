// The printed QEMU arguments are accepted by the real QEMU: it starts with them (paused, TCG), shows
// the ivshmem device on its PCI bus, and creates the backing file with the requested size.
#include "setup/qemu_args.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>

#include "setup/command.h"

namespace kagami::setup {
namespace {

using ::testing::HasSubstr;

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

TEST(QemuArgs, FormatIsOneCopyableCommandWithReasonsFirst) {
  std::string text = format_qemu_args(qemu_args({"/dev/shm/x", 64 << 20, 5900}));
  EXPECT_THAT(text,
              HasSubstr("-object memory-backend-file,id=kagami-shm,share=on,mem-path=/dev/shm/x,size=64M \\\n"
                        "-device ivshmem-plain,memdev=kagami-shm \\\n"));
  EXPECT_THAT(text, HasSubstr("-spice port=5900,addr=127.0.0.1,disable-ticketing=on \\\n"));
  // After the first argument line there are no comments, and only the last line lacks a backslash.
  std::string body = text.substr(text.find("\n-object"));
  EXPECT_EQ(body.find('#'), std::string::npos);
  EXPECT_EQ(text.back(), '\n');
  EXPECT_NE(text.substr(text.size() - 3, 2), " \\");
}

TEST(QemuArgs, RealQemuAcceptsThem) {
  ASSERT_TRUE(find_program("qemu-system-x86_64")) << "install qemu-system-x86 (scripts/install-deps setup)";
  std::string shm = "/dev/shm/kagami-qemu-args-" + std::to_string(getpid());
  std::vector<std::string> argv{"timeout",  "60",   "qemu-system-x86_64", "-accel", "tcg",      "-M",   "pc",
                                "-display", "none", "-nodefaults",        "-S",     "-monitor", "stdio"};
  for (const auto& group : qemu_args({shm, 16 << 20, free_tcp_port()})) {
    argv.insert(argv.end(), group.args.begin(), group.args.end());
  }
  auto result = run_command(argv, "info pci\ninfo chardev\nquit\n");
  std::filesystem::path file(shm);
  std::error_code ec;
  auto size = std::filesystem::file_size(file, ec);
  std::filesystem::remove(file, ec);
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->exit_status, 0) << result->err;
  EXPECT_THAT(result->out, HasSubstr("PCI device 1af4:1110"));  // ivshmem-plain
  EXPECT_THAT(result->out, HasSubstr("vdagent"));
  EXPECT_EQ(size, 16u << 20);
}

}  // namespace
}  // namespace kagami::setup
