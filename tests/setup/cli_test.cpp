// The kagami-setup program itself: exit statuses, error output, and --help covering every option.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <thread>

#include "../shm/temp_dir.h"
#include "common/clock.h"
#include "protocol/kvmfr_layout.h"
#include "protocol/lgmp_host.h"
#include "setup/command.h"
#include "shm/region.h"

namespace kagami::setup {
namespace {

using ::testing::HasSubstr;

CommandOutput run(std::vector<std::string> args) {
  args.insert(args.begin(), KAGAMI_SETUP_BIN);
  auto result = run_command(args);
  EXPECT_TRUE(result) << result.error().message;
  return result ? *result : CommandOutput{};
}

TEST(KagamiSetupCli, SizeExplainsAndExitsZero) {
  auto r = run({"size", "3840x2160", "--hdr"});
  EXPECT_EQ(r.exit_status, 0);
  EXPECT_THAT(r.out, HasSubstr("3840x2160 HDR: 256 MiB"));
}

TEST(KagamiSetupCli, BadInputIsAnErrorOnStderr) {
  auto r = run({"size", "big"});
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_THAT(r.err, HasSubstr("error: 'big' is not a resolution"));
  EXPECT_NE(run({"shm", "--size", "32", "--for", "1920x1080"}).exit_status, 0);  // mutually exclusive
  EXPECT_NE(run({}).exit_status, 0);                                             // a subcommand is required
}

TEST(KagamiSetupCli, HelpExplainsEveryOptionWithDefaults) {
  auto shm = run({"shm", "--help"});
  EXPECT_EQ(shm.exit_status, 0);
  for (const char* text :
       {"--path TEXT=/dev/shm/looking-glass", "--size", "--for", "--hdr", "--user", "--group TEXT=kvm",
        "--mode TEXT=0660", "--tmpfiles-dir TEXT=/etc/tmpfiles.d", "--dry-run", "Default: 32M"}) {
    EXPECT_THAT(shm.out, HasSubstr(text));
  }
  auto libvirt = run({"libvirt", "--help"});
  for (const char* text : {"domain", "--apply", "--connect", "--shm", "--xml", "--output"}) {
    EXPECT_THAT(libvirt.out, HasSubstr(text));
  }
  auto doctor = run({"doctor", "--help"});
  for (const char* text : {"--shm", "--for", "--sysfs-root TEXT=/sys", "--proc-root TEXT=/proc", "--log",
                           "--no-dmesg", "--domain"}) {
    EXPECT_THAT(doctor.out, HasSubstr(text));
  }
  EXPECT_THAT(run({"qemu-args", "--help"}).out, HasSubstr("--spice-port UINT=5900"));
}

TEST(KagamiSetupCli, ShmDryRunOnATempPath) {
  test::TempDir dir;
  auto r = run({"shm", "--path", dir / "r", "--for", "2560x1440", "--user", "root", "--group", "root",
                "--tmpfiles-dir", dir / "t", "--dry-run"});
  EXPECT_EQ(r.exit_status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("would create: " + (dir / "r") + " (64 MiB, mode 0660)"));
  EXPECT_FALSE(std::filesystem::exists(dir / "r"));
}

// Reading what kvmfr setup would do needs no module (this machine has none, nor does CI).
TEST(KagamiSetupCli, KvmfrDryRunWorksWithoutTheModule) {
  auto r = run({"shm", "--path", "/dev/kvmfr0", "--for", "2560x1440", "--user", "root", "--dry-run"});
  EXPECT_EQ(r.exit_status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("would write: /etc/modprobe.d/kvmfr.conf"));
  EXPECT_THAT(r.out, HasSubstr("options kvmfr static_size_mb=64"));
  EXPECT_THAT(r.out, HasSubstr("cgroup_device_acl = ["));
}

// `shm` without --size keeps an existing file's size; a resize under a process that holds the file
// is refused (exit 1, the process named) unless --force.
TEST(KagamiSetupCli, ShmKeepsTheSizeAndRefusesToResizeAFileInUse) {
  test::TempDir dir;
  std::vector<std::string> common = {"shm",     "--path", dir / "r",        "--user", "root",
                                     "--group", "root",   "--tmpfiles-dir", dir / "t"};
  auto with = [&](std::vector<std::string> extra) {
    auto args = common;
    args.insert(args.end(), extra.begin(), extra.end());
    return run(args);
  };
  ASSERT_EQ(with({"--size", "64M"}).exit_status, 0);
  auto kept = with({});
  EXPECT_EQ(kept.exit_status, 0) << kept.err;
  EXPECT_EQ(std::filesystem::file_size(dir / "r"), 64u << 20);

  // A real program holding the file open: `sleep` with the region as its stdin.
  std::string command = "exec sleep 30 < " + (dir / "r") + " & echo $!";
  FILE* shell = popen(command.c_str(), "r");
  ASSERT_NE(shell, nullptr);
  int pid = 0;
  ASSERT_EQ(fscanf(shell, "%d", &pid), 1);
  pclose(shell);
  auto refused = with({"--size", "16M"});
  EXPECT_EQ(refused.exit_status, 1);
  EXPECT_THAT(refused.err, HasSubstr(fmt::format("sleep (pid {}, open)", pid)));
  EXPECT_EQ(std::filesystem::file_size(dir / "r"), 64u << 20);
  auto forced = with({"--size", "16M", "--force"});
  EXPECT_EQ(forced.exit_status, 0) << forced.err;
  EXPECT_EQ(std::filesystem::file_size(dir / "r"), 16u << 20);
  kill(pid, SIGKILL);
}

// The printed next command repeats the options that matter: run as printed it does what was shown.
TEST(KagamiSetupCli, LibvirtPrintsAnApplyCommandWithTheSameOptions) {
  test::TempDir dir;
  std::string xml = dir.write("win10.xml",
                              "<domain type='qemu'><name>win10</name><memory unit='MiB'>64</memory>"
                              "<os><type arch='x86_64' machine='pc'>hvm</type></os><devices/></domain>");
  auto kvmfr = run({"libvirt", "win10", "--xml", xml, "--for", "2560x1440", "--shm", "/dev/kvmfr0"});
  EXPECT_EQ(kvmfr.exit_status, 0) << kvmfr.err;
  EXPECT_THAT(kvmfr.out,
              HasSubstr("Apply it with: kagami-setup libvirt win10 --shm /dev/kvmfr0 --for 2560x1440 "
                        "--xml " +
                        xml + " --apply\n"));
  EXPECT_THAT(kvmfr.out, HasSubstr("           \"/dev/kvmfr0\"\n       ]\n"));  // cgroup_device_acl, to paste
  EXPECT_THAT(kvmfr.out, HasSubstr("\n       /dev/kvmfr0 rw,\n"));              // the AppArmor rule
  auto file = run({"libvirt", "win10", "--xml", xml, "--size", "64M", "--connect", "qemu:///session", "--shm",
                   "/dev/shm/win10"});
  EXPECT_EQ(file.exit_status, 0) << file.err;
  EXPECT_THAT(file.out, HasSubstr("Apply it with: kagami-setup libvirt win10 --connect qemu:///session --shm "
                                  "/dev/shm/win10 --size 64M --xml " +
                                  xml + " --apply\n"));
}

// doctor exits 1 on a problem and 0 when the region is right and an agent is beating in it.
TEST(KagamiSetupCli, DoctorExitStatusFollowsTheFindings) {
  test::TempDir dir;
  std::vector<std::string> common{"doctor",      "--sysfs-root", dir / "sys",  "--proc-root",   dir / "proc",
                                  "--log",       "/dev/null",    "--no-dmesg", "--client-user", "root",
                                  "--qemu-user", "root",         "--for",      "1920x1080"};
  auto args = common;
  args.insert(args.end(), {"--shm", dir / "missing"});
  auto missing = run(args);
  EXPECT_EQ(missing.exit_status, 1);
  EXPECT_THAT(missing.out, HasSubstr("[FAIL] region"));

  auto region = shm::open_file(dir / "region", {.create = true, .size = 32 << 20, .mode = 0660});
  ASSERT_TRUE(region);
  MonotonicClock clock;
  SystemRandom random;
  protocol::LgmpHost host(clock, random);
  protocol::KvmfrHeader kvmfr{};
  std::memcpy(kvmfr.magic, protocol::kKvmfrMagic, 8);
  kvmfr.version = protocol::kKvmfrVersion;
  ASSERT_EQ(host.init((*region)->bytes(), std::as_bytes(std::span(&kvmfr, 1))), protocol::LgmpStatus::ok);
  std::atomic<bool> stop{false};
  std::thread heartbeat([&] {
    while (!stop) {
      host.process();
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  args = common;
  args.insert(args.end(), {"--shm", dir / "region"});
  auto healthy = run(args);
  stop = true;
  heartbeat.join();
  EXPECT_EQ(healthy.exit_status, 0) << healthy.out;
  EXPECT_THAT(healthy.out, HasSubstr("[ ok ] agent: the agent is running"));
  EXPECT_THAT(healthy.out, HasSubstr("No problems found."));
}

}  // namespace
}  // namespace kagami::setup
