// kagami-setup shm on temporary paths: what it prints, and that the file really ends up so.
#include "setup/shm_file_setup.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "../shm/temp_dir.h"

namespace kagami::setup {
namespace {

using test::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::uint64_t kMiB = 1024 * 1024;

// As root the file goes to nobody:nogroup, proving chown; otherwise to ourselves.
struct Owner {
  std::string user, group;
  uid_t uid;
  gid_t gid;
};
Owner test_owner() {
  if (geteuid() == 0) {
    const passwd* pw = getpwnam("nobody");
    const group* gr = getgrnam("nogroup");
    return {"nobody", "nogroup", pw->pw_uid, gr->gr_gid};
  }
  return {getpwuid(geteuid())->pw_name, getgrgid(getegid())->gr_name, geteuid(), getegid()};
}

ShmFileRequest request_in(const TempDir& dir, const Owner& owner) {
  ShmFileRequest request;
  request.path = dir / "region";
  request.size = 2 * kMiB;
  request.user = owner.user;
  request.group = owner.group;
  request.tmpfiles_dir = dir / "tmpfiles.d";
  return request;
}

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(ShmFileSetup, CreatesFileWithSizeOwnerModeAndTmpfilesRule) {
  TempDir dir;
  Owner owner = test_owner();
  auto request = request_in(dir, owner);
  std::ostringstream out;
  auto done = setup_shm_file(request, out);
  ASSERT_TRUE(done) << done.error().message;

  struct stat st {};
  ASSERT_EQ(stat(request.path.c_str(), &st), 0);
  EXPECT_EQ(st.st_size, static_cast<off_t>(2 * kMiB));
  EXPECT_EQ(st.st_mode & 07777, 0660u);
  EXPECT_EQ(st.st_uid, owner.uid);
  EXPECT_EQ(st.st_gid, owner.gid);

  std::string rule_path = dir / "tmpfiles.d/kagami-region.conf";
  EXPECT_EQ(tmpfiles_rule_path(request), rule_path);
  std::string rule = read(rule_path);
  EXPECT_THAT(rule, HasSubstr("\nf " + request.path + " 0660 " + owner.user + " " + owner.group + " -\n"));

  std::string log = out.str();
  EXPECT_THAT(log, HasSubstr("  create: " + request.path + " (2 MiB, mode 0660)"));
  EXPECT_THAT(log, HasSubstr("  write: " + rule_path));
}

TEST(ShmFileSetup, SecondRunOnlyReportsOk) {
  TempDir dir;
  auto request = request_in(dir, test_owner());
  std::ostringstream first, second;
  ASSERT_TRUE(setup_shm_file(request, first));
  ASSERT_TRUE(setup_shm_file(request, second));
  EXPECT_THAT(second.str(), Not(HasSubstr("create:")));
  EXPECT_THAT(second.str(), Not(HasSubstr("chmod:")));
  EXPECT_THAT(second.str(), Not(HasSubstr("write:")));
  EXPECT_THAT(second.str(), HasSubstr("ok: " + request.path + " is 2 MiB"));
  EXPECT_THAT(second.str(), HasSubstr("already says what it should"));
}

TEST(ShmFileSetup, FixesSizeAndModeOfAnExistingFile) {
  TempDir dir;
  auto request = request_in(dir, test_owner());
  std::string path = dir.write("region", "");
  chmod(path.c_str(), 0644);
  std::ostringstream out;
  request.size = 4 * kMiB;
  request.mode = 0600;
  ASSERT_TRUE(setup_shm_file(request, out));
  EXPECT_EQ(std::filesystem::file_size(path), 4 * kMiB);
  struct stat st {};
  stat(path.c_str(), &st);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_THAT(out.str(), HasSubstr("resize: " + path + " from 0 bytes to 4 MiB"));
  EXPECT_THAT(out.str(), HasSubstr("chmod: 0600 " + path));
  EXPECT_THAT(read(tmpfiles_rule_path(request)), HasSubstr(" 0600 "));
}

TEST(ShmFileSetup, DryRunPrintsEverythingAndChangesNothing) {
  TempDir dir;
  auto request = request_in(dir, test_owner());
  request.dry_run = true;
  std::ostringstream out;
  ASSERT_TRUE(setup_shm_file(request, out));
  EXPECT_FALSE(std::filesystem::exists(request.path));
  EXPECT_FALSE(std::filesystem::exists(tmpfiles_rule_path(request)));
  EXPECT_THAT(out.str(), HasSubstr("would create: " + request.path));
  EXPECT_THAT(out.str(), HasSubstr("would chown: "));
  EXPECT_THAT(out.str(), HasSubstr("would chmod: 0660"));
  EXPECT_THAT(out.str(), HasSubstr("would write: " + tmpfiles_rule_path(request)));
}

TEST(ShmFileSetup, NoTmpfilesDirMeansNoRule) {
  TempDir dir;
  auto request = request_in(dir, test_owner());
  request.tmpfiles_dir.clear();
  std::ostringstream out;
  ASSERT_TRUE(setup_shm_file(request, out));
  EXPECT_THAT(out.str(), Not(HasSubstr("write")));
}

TEST(ShmFileSetup, RefusesUnknownUserGroupAndNonPowerOfTwo) {
  TempDir dir;
  auto request = request_in(dir, test_owner());
  std::ostringstream out;
  request.user = "kagami-no-such-user";
  EXPECT_THAT(setup_shm_file(request, out).error().message, HasSubstr("no user 'kagami-no-such-user'"));
  request = request_in(dir, test_owner());
  request.group = "kagami-no-such-group";
  EXPECT_THAT(setup_shm_file(request, out).error().message, HasSubstr("--group"));
  request = request_in(dir, test_owner());
  request.size = 3 * kMiB;
  EXPECT_THAT(setup_shm_file(request, out).error().message, HasSubstr("not a power of two"));
  EXPECT_FALSE(std::filesystem::exists(request.path));
}

// A real other process that holds the file, as QEMU or kagami-client would: mapped, or only open.
class Holder {
 public:
  Holder(const std::string& path, bool map) {
    int ready[2];
    EXPECT_EQ(pipe(ready), 0);
    pid_ = fork();
    if (pid_ == 0) {
      prctl(PR_SET_NAME, map ? "region-mapper" : "region-opener");
      int fd = open(path.c_str(), O_RDWR);
      if (fd < 0) _exit(1);
      if (map) {
        if (mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED) _exit(1);
        close(fd);  // only the mapping remains
      }
      if (::write(ready[1], "x", 1) != 1) _exit(1);
      pause();
      _exit(0);
    }
    close(ready[1]);
    char byte;
    EXPECT_EQ(::read(ready[0], &byte, 1), 1);
    close(ready[0]);
  }
  ~Holder() {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

TEST(ShmFileSetup, ExistingFileKeepsItsSizeWithoutASize) {
  TempDir dir;
  auto request = request_in(dir, test_owner());
  request.size = 64 * kMiB;
  std::ostringstream first, second;
  ASSERT_TRUE(setup_shm_file(request, first));
  request.size.reset();  // `kagami-setup shm` without --size/--for
  auto done = setup_shm_file(request, second);
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_EQ(std::filesystem::file_size(request.path), 64 * kMiB);
  EXPECT_THAT(second.str(), HasSubstr("ok: " + request.path + " is 64 MiB (kept"));
  EXPECT_THAT(second.str(), Not(HasSubstr("resize")));
}

TEST(ShmFileSetup, NewFileWithoutASizeGetsTheDefault) {
  TempDir dir;
  auto request = request_in(dir, test_owner());
  request.size.reset();
  std::ostringstream out;
  ASSERT_TRUE(setup_shm_file(request, out));
  EXPECT_EQ(std::filesystem::file_size(request.path), 32 * kMiB);
}

TEST(ShmFileSetup, NeverResizesAFileAProcessHasMappedOrOpen) {
  for (bool map : {true, false}) {
    TempDir dir;
    auto request = request_in(dir, test_owner());
    request.size = 4 * kMiB;
    std::ostringstream out;
    ASSERT_TRUE(setup_shm_file(request, out));
    Holder holder(request.path, map);

    request.size = 2 * kMiB;
    auto refused = setup_shm_file(request, out);
    ASSERT_FALSE(refused);
    EXPECT_THAT(refused.error().message,
                HasSubstr("will not resize " + request.path + " from 4 MiB to 2 MiB"));
    EXPECT_THAT(refused.error().message,
                HasSubstr(fmt::format("{} (pid {}, {})", map ? "region-mapper" : "region-opener",
                                      holder.pid(), map ? "mapped" : "open")));
    EXPECT_THAT(refused.error().message, HasSubstr("--force"));
    EXPECT_EQ(std::filesystem::file_size(request.path), 4 * kMiB);

    // A dry run refuses the same way; so nothing is promised that the real run would not do.
    request.dry_run = true;
    EXPECT_FALSE(setup_shm_file(request, out));
    request.dry_run = false;

    // The same size is no resize: owner, mode and rule are still fixed.
    request.size = 4 * kMiB;
    EXPECT_TRUE(setup_shm_file(request, out));
  }
}

// Without root, other users' processes (QEMU as libvirt-qemu) cannot be looked into: a resize is
// refused rather than guessed safe. A process directory with nothing readable stands in for one.
TEST(ShmFileSetup, RefusesToResizeWhenSomeProcessesCannotBeChecked) {
  TempDir dir;
  auto request = request_in(dir, test_owner());
  request.size = 4 * kMiB;
  std::ostringstream out;
  ASSERT_TRUE(setup_shm_file(request, out));
  std::filesystem::create_directories(dir / "proc/4242");  // no maps, no fd/: unreadable
  request.proc_root = dir / "proc";
  request.size = 8 * kMiB;
  auto refused = setup_shm_file(request, out);
  ASSERT_FALSE(refused);
  EXPECT_THAT(refused.error().message, HasSubstr("1 process could not be checked"));
  EXPECT_THAT(refused.error().message, HasSubstr("Run with sudo, or pass --force"));
  EXPECT_EQ(std::filesystem::file_size(request.path), 4 * kMiB);
}

TEST(ShmFileSetup, ForceResizesUnderTheProcessAndSaysSo) {
  TempDir dir;
  auto request = request_in(dir, test_owner());
  request.size = 4 * kMiB;
  std::ostringstream first, out;
  ASSERT_TRUE(setup_shm_file(request, first));
  Holder holder(request.path, true);
  request.size = 8 * kMiB;
  request.force = true;
  auto done = setup_shm_file(request, out);
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_EQ(std::filesystem::file_size(request.path), 8 * kMiB);
  EXPECT_THAT(out.str(),
              HasSubstr(fmt::format("under region-mapper (pid {}, mapped) (--force)", holder.pid())));
}

// The rule only acts at boot: the output says so, offers systemd-tmpfiles --create, and says
// whether QEMU's user is in the group.
TEST(ShmFileSetup, ExplainsWhenTheRuleActsAndTheGroup) {
  TempDir dir;
  auto request = request_in(dir, test_owner());
  request.group = "nogroup";
  request.qemu_user = "nobody";  // nobody's own group is nogroup
  std::ostringstream member;
  ASSERT_TRUE(setup_shm_file(request, member));
  EXPECT_THAT(member.str(), HasSubstr("The rule acts at boot only"));
  EXPECT_THAT(member.str(),
              HasSubstr("`sudo systemd-tmpfiles --create " + tmpfiles_rule_path(request) + "`"));
  EXPECT_THAT(member.str(), HasSubstr("QEMU's user nobody is in group nogroup"));

  request.group = "root";  // nobody is not in it
  std::ostringstream outsider;
  ASSERT_TRUE(setup_shm_file(request, outsider));
  EXPECT_THAT(outsider.str(), HasSubstr("QEMU's user nobody is NOT in group root"));
  EXPECT_THAT(outsider.str(), HasSubstr("`sudo adduser nobody root`"));
}

TEST(ShmFileSetup, RuleTextIsTheSystemdTmpfilesLine) {
  ShmFileRequest request;
  request.user = "alice";
  EXPECT_EQ(tmpfiles_rule(request).substr(tmpfiles_rule(request).find("\nf ") + 1),
            "f /dev/shm/looking-glass 0660 alice kvm -\n");
  EXPECT_EQ(tmpfiles_rule_path(request), "/etc/tmpfiles.d/kagami-looking-glass.conf");
}

}  // namespace
}  // namespace kagami::setup
