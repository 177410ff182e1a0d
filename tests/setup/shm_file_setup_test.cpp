// kagami-setup shm on temporary paths: what it prints, and that the file really ends up so.
#include "setup/shm_file_setup.h"

#include <gmock/gmock.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/stat.h>
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

TEST(ShmFileSetup, RuleTextIsTheSystemdTmpfilesLine) {
  ShmFileRequest request;
  request.user = "alice";
  EXPECT_EQ(tmpfiles_rule(request).substr(tmpfiles_rule(request).find("\nf ") + 1),
            "f /dev/shm/looking-glass 0660 alice kvm -\n");
  EXPECT_EQ(tmpfiles_rule_path(request), "/etc/tmpfiles.d/kagami-looking-glass.conf");
}

}  // namespace
}  // namespace kagami::setup
