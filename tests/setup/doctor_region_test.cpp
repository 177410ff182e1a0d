// doctor's region checks on real /tmp files: the protocol headers are written by the real LgmpHost
// (a heartbeat thread runs its periodic step, as an agent would), then bent where a test needs it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <future>
#include <memory>
#include <thread>

#include "../shm/temp_dir.h"
#include "common/clock.h"
#include "finding_matcher.h"
#include "protocol/kvmfr_layout.h"
#include "protocol/lgmp_host.h"
#include "protocol/lgmp_layout.h"
#include "setup/doctor.h"
#include "shm/region.h"

namespace kagami::setup {
namespace {

using test::TempDir;
using ::testing::Contains;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::uint64_t kMiB = 1024 * 1024;

class DoctorRegion : public ::testing::Test {
 protected:
  DoctorRegion() {
    options_.shm_path = dir_ / "region";
    options_.client_user = "root";
    options_.qemu_user = "root";
    options_.heartbeat_wait = std::chrono::milliseconds(200);
  }
  std::unique_ptr<shm::Region> make_region(std::uint64_t size) {
    auto region = shm::open_file(options_.shm_path, {.create = true, .size = size, .mode = 0660});
    EXPECT_TRUE(region);
    return std::move(*region);
  }
  // Writes an LGMP v6 header whose user data is a KVMFR header of `kvmfr_version`.
  void init_host(protocol::LgmpHost& host, shm::Region& region, std::uint32_t kvmfr_version) {
    protocol::KvmfrHeader kvmfr{};
    std::memcpy(kvmfr.magic, protocol::kKvmfrMagic, sizeof kvmfr.magic);
    kvmfr.version = kvmfr_version;
    std::strcpy(kvmfr.hostver, "kagami-test\x07");  // the bell must not reach the terminal
    auto udata = std::as_bytes(std::span(&kvmfr, 1));
    ASSERT_EQ(host.init(region.bytes(), udata), protocol::LgmpStatus::ok);
    ASSERT_EQ(host.process(), protocol::LgmpStatus::ok);
  }
  std::vector<Finding> contents() { return check_region_contents(options_); }

  TempDir dir_;
  DoctorOptions options_;
  MonotonicClock clock_;
  SystemRandom random_;
};

TEST_F(DoctorRegion, MissingRegionIsAProblemWithTheSetupCommand) {
  options_.resolution = Resolution{2560, 1440};
  auto findings = check_region(options_);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_THAT(findings[0], finding(FindingStatus::problem, "region", "does not exist"));
  EXPECT_EQ(findings[0].fix, "sudo kagami-setup shm --path " + options_.shm_path + " --for 2560x1440");
  EXPECT_TRUE(contents().empty());  // nothing to read: check_region has said it
}

TEST_F(DoctorRegion, TooSmallForTheResolution) {
  auto region = make_region(32 * kMiB);
  options_.resolution = Resolution{2560, 1440};
  auto findings = check_region(options_);
  EXPECT_THAT(findings,
              Contains(finding(FindingStatus::problem, "region", "is 32 MiB; 2560x1440 needs 64 MiB")));
  options_.resolution = Resolution{1920, 1080};
  EXPECT_THAT(check_region(options_), Contains(finding(FindingStatus::ok, "region", "enough for 1920x1080")));
}

TEST_F(DoctorRegion, NotAPowerOfTwo) {
  auto region = make_region(24 * kMiB);
  EXPECT_THAT(check_region(options_),
              Contains(finding(FindingStatus::problem, "region", "not a power of two")));
}

TEST_F(DoctorRegion, PermissionsAreJudgedForBothUsers) {
  auto region = make_region(16 * kMiB);
  chmod(options_.shm_path.c_str(),
        0600);  // owned by us; nobody and daemon are neither owner nor in its group
  options_.client_user = "nobody";
  options_.qemu_user = "daemon";
  auto findings = check_region(options_);
  EXPECT_THAT(findings, Contains(finding(FindingStatus::problem, "permissions",
                                         "not readable and writable by nobody")));
  EXPECT_THAT(findings, Contains(finding(FindingStatus::problem, "permissions", "by QEMU's user daemon")));
  EXPECT_THAT(findings, Contains(Field(&Finding::fix, HasSubstr("kagami-setup shm --path " +
                                                                options_.shm_path + " --user nobody"))));
  chmod(options_.shm_path.c_str(), 0666);
  EXPECT_THAT(check_region(options_),
              Contains(finding(FindingStatus::ok, "permissions", "usable by nobody and daemon")));
}

// Not a region: said once by check_region, with a fix that never removes anything; the contents
// check does not open it (a FIFO would block, /dev/zero would read as "all zeros").
TEST_F(DoctorRegion, DirectoriesAreNotRegionsAndAreNeverRemoved) {
  for (std::string path : {std::string("/dev/shm"), dir_.path().string()}) {
    options_.shm_path = path;
    auto findings = check_region(options_);
    ASSERT_EQ(findings.size(), 1u) << path;
    EXPECT_THAT(findings[0],
                finding(FindingStatus::problem, "region", path + " is a directory, not a shared"));
    EXPECT_THAT(findings[0].fix, Not(HasSubstr("rm ")));
    EXPECT_THAT(findings[0].fix, HasSubstr("--shm /dev/shm/NAME"));
    EXPECT_TRUE(contents().empty());
  }
}

TEST_F(DoctorRegion, DevZeroIsNotAnAllZerosRegion) {
  options_.shm_path = "/dev/zero";
  EXPECT_THAT(check_region(options_), Contains(finding(FindingStatus::problem, "region",
                                                       "a character device other than /dev/kvmfrN")));
  EXPECT_TRUE(contents().empty());
}

TEST_F(DoctorRegion, FifoNeverBlocks) {
  options_.shm_path = dir_ / "fifo";
  ASSERT_EQ(mkfifo(options_.shm_path.c_str(), 0600), 0);
  // Run the whole doctor on another thread: an open() of the FIFO would wait for a writer forever.
  auto done = std::make_shared<std::promise<std::vector<Finding>>>();
  auto result = done->get_future();
  DoctorOptions options = options_;
  options.read_kernel_log = false;
  options.logs.clear();
  std::thread([done, options] { done->set_value(run_doctor(options)); }).detach();
  ASSERT_EQ(result.wait_for(std::chrono::seconds(10)), std::future_status::ready)
      << "doctor blocked on a FIFO";
  auto findings = result.get();
  EXPECT_THAT(findings,
              Contains(finding(FindingStatus::problem, "region", "is a FIFO, not a shared-memory")));
  for (const auto& f : findings) EXPECT_THAT(f.fix, Not(HasSubstr("rm "))) << f.message;
}

// doctor's size verdicts are the programs' (common/region_size.h): 4 KiB and 1 MiB are refused by
// kagami-agent, so doctor must not call them ok; 8 GiB works (LGMP uses its first 4 GiB).
TEST_F(DoctorRegion, SizesFollowTheProgramsRule) {
  for (std::uint64_t size : {std::uint64_t{4096}, kMiB, 2 * kMiB}) {
    auto region = make_region(size);
    auto findings = check_region(options_);
    EXPECT_THAT(findings, Contains(finding(FindingStatus::problem, "region", "kagami needs at least 4 MiB")))
        << size;
    EXPECT_THAT(findings, Contains(Field(&Finding::fix, HasSubstr("--size 32M")))) << size;
    region.reset();
    std::filesystem::remove(options_.shm_path);
  }
  auto smallest = make_region(4 * kMiB);
  EXPECT_FALSE(has_problems(check_region(options_)));
  smallest.reset();
  std::filesystem::remove(options_.shm_path);

  // A sparse 8 GiB file: usable, with a note that half of it is unused.
  std::filesystem::resize_file(dir_.write("region", ""), 8192 * kMiB);
  auto findings = check_region(options_);
  EXPECT_FALSE(has_problems(findings));
  EXPECT_THAT(findings,
              Contains(finding(FindingStatus::note, "region", "LGMP addresses only its first 4 GiB")));
  EXPECT_THAT(findings, Contains(finding(FindingStatus::ok, "region", "is 8 GiB")));
}

TEST_F(DoctorRegion, SizeFixesNameASizeAndPermissionFixesKeepIt) {
  auto region = make_region(24 * kMiB);
  auto findings = check_region(options_);
  EXPECT_THAT(findings,
              Contains(Field(&Finding::fix, HasSubstr("shm --path " + options_.shm_path + " --size 32M"))));
  options_.resolution = Resolution{2560, 1440};
  EXPECT_THAT(
      check_region(options_),
      Contains(Field(&Finding::fix, HasSubstr("shm --path " + options_.shm_path + " --for 2560x1440"))));
}

TEST_F(DoctorRegion, AllZeroRegionMeansNoAgentYet) {
  auto region = make_region(16 * kMiB);
  EXPECT_THAT(contents(), Contains(finding(FindingStatus::problem, "agent", "all zeros")));
}

TEST_F(DoctorRegion, ForeignBytesAreNotLgmp) {
  auto region = make_region(16 * kMiB);
  std::memcpy(region->bytes().data(), "garbage!", 8);
  EXPECT_THAT(contents(),
              Contains(finding(FindingStatus::problem, "protocol", "does not start with an LGMP header")));
}

TEST_F(DoctorRegion, RunningAgentWithB7ProtocolIsHealthy) {
  auto region = make_region(16 * kMiB);
  protocol::LgmpHost host(clock_, random_);
  init_host(host, *region, 20);
  std::atomic<bool> stop{false};
  std::thread heartbeat([&] {
    while (!stop) {
      host.process();
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  auto findings = contents();
  stop = true;
  heartbeat.join();
  EXPECT_THAT(findings, Contains(finding(FindingStatus::ok, "protocol",
                                         "KVMFR 20 (Looking Glass B7), host version \"kagami-test\"")));
  EXPECT_THAT(findings, Contains(finding(FindingStatus::ok, "agent", "running")));
  EXPECT_FALSE(has_problems(findings));
}

TEST_F(DoctorRegion, StoppedAgentIsDetectedByTheStillHeartbeat) {
  auto region = make_region(16 * kMiB);
  protocol::LgmpHost host(clock_, random_);
  init_host(host, *region, 20);
  auto findings = contents();
  EXPECT_THAT(findings,
              Contains(finding(FindingStatus::problem, "agent", "not running: its heartbeat stayed at")));
}

TEST_F(DoctorRegion, OlderLookingGlassIsNamed) {
  auto region = make_region(16 * kMiB);
  protocol::LgmpHost host(clock_, random_);
  init_host(host, *region, 19);
  EXPECT_THAT(contents(),
              Contains(finding(FindingStatus::problem, "protocol",
                               "the guest speaks KVMFR 19 (Looking Glass B6); kagami speaks KVMFR 20 "
                               "(Looking Glass B7)")));
}

TEST_F(DoctorRegion, OtherLgmpVersionIsAProblem) {
  auto region = make_region(16 * kMiB);
  protocol::LgmpHost host(clock_, random_);
  init_host(host, *region, 20);
  std::uint32_t version = 5;
  std::memcpy(region->bytes().data() + offsetof(protocol::LgmpHeader, version), &version, 4);
  EXPECT_THAT(contents(), Contains(finding(FindingStatus::problem, "protocol", "the guest speaks LGMP 5")));
}

TEST_F(DoctorRegion, LgmpWithoutKvmfrUserData) {
  auto region = make_region(16 * kMiB);
  protocol::LgmpHost host(clock_, random_);
  std::byte udata[48] = {};
  ASSERT_EQ(host.init(region->bytes(), udata), protocol::LgmpStatus::ok);
  EXPECT_THAT(contents(), Contains(finding(FindingStatus::problem, "protocol", "no KVMFR header")));
}

TEST(DoctorReport, FormatsTagsFixesAndCount) {
  std::vector<Finding> findings{{FindingStatus::ok, "region", "fine", ""},
                                {FindingStatus::note, "iommu", "off", "reboot"},
                                {FindingStatus::problem, "agent", "gone", "start it"}};
  EXPECT_EQ(
      format_findings(findings),
      "[ ok ] region: fine\n[note] iommu: off\n       fix: reboot\n[FAIL] agent: gone\n       fix: start it\n"
      "1 problem found.\n");
  EXPECT_TRUE(has_problems(findings));
  findings.pop_back();
  EXPECT_FALSE(has_problems(findings));
  EXPECT_THAT(format_findings(findings), HasSubstr("No problems found."));
}

}  // namespace
}  // namespace kagami::setup
