#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "shm/region.h"
#include "temp_dir.h"

namespace kagami::shm {
namespace {

using test::TempDir;
using ::testing::HasSubstr;

constexpr std::uint64_t kMiB = 1024 * 1024;

TEST(FileRegion, CreatesWithSizeAndExactModeAndMapsShared) {
  TempDir dir;
  std::string path = dir / "region";
  umask(022);  // the requested mode must not be filtered by the umask
  auto region = open_file(path, {.create = true, .size = 2 * kMiB, .mode = 0660});
  ASSERT_TRUE(region) << region.error().message;
  EXPECT_EQ((*region)->bytes().size(), 2 * kMiB);
  EXPECT_EQ((*region)->describe(), path + " (2 MiB file)");
  EXPECT_TRUE((*region)->notes().empty());

  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_size, static_cast<off_t>(2 * kMiB));
  EXPECT_EQ(st.st_mode & 07777, 0660u);

  // The mapping is MAP_SHARED: a second open of the same file sees the bytes.
  std::memcpy((*region)->bytes().data() + 12345, "kagami", 6);
  auto again = open_file(path);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(std::memcmp((*again)->bytes().data() + 12345, "kagami", 6), 0);
  EXPECT_GE((*again)->fd(), 0);
}

TEST(FileRegion, MissingFileNamesPathAndFix) {
  TempDir dir;
  auto region = open_file(dir / "absent");
  ASSERT_FALSE(region);
  EXPECT_THAT(region.error().message, HasSubstr(dir / "absent"));
  EXPECT_THAT(region.error().message, HasSubstr("does not exist"));
  EXPECT_THAT(region.error().message, HasSubstr("kagami-setup shm"));
}

TEST(FileRegion, CreateWithoutSizeIsAnError) {
  TempDir dir;
  auto region = open_file(dir / "x", {.create = true, .size = std::nullopt});
  ASSERT_FALSE(region);
  EXPECT_THAT(region.error().message, HasSubstr("no size"));
  EXPECT_FALSE(std::filesystem::exists(dir / "x"));
}

TEST(FileRegion, EmptyFileIsAnErrorUnlessCreating) {
  TempDir dir;
  std::string path = dir.write("empty", "");
  auto region = open_file(path);
  ASSERT_FALSE(region);
  EXPECT_THAT(region.error().message, HasSubstr("is empty (0 bytes)"));

  auto grown = open_file(path, {.create = true, .size = kMiB});
  ASSERT_TRUE(grown) << grown.error().message;
  EXPECT_EQ((*grown)->bytes().size(), kMiB);
  EXPECT_EQ(std::filesystem::file_size(path), kMiB);
}

TEST(FileRegion, DirectoryIsNotARegularFile) {
  TempDir dir;
  auto region = open_file(dir.path().string());
  ASSERT_FALSE(region);
  EXPECT_THAT(region.error().message, HasSubstr("is a directory"));
}

TEST(FileRegion, CharacterDeviceIsRefusedWithKvmfrHint) {
  auto region = open_file("/dev/null");
  ASSERT_FALSE(region);
  EXPECT_THAT(region.error().message, HasSubstr("is a character device"));
  EXPECT_THAT(region.error().message, HasSubstr("kvmfr"));
}

TEST(FileRegion, SmallerThanRequiredNamesBothSizes) {
  TempDir dir;
  std::string path = dir / "small";
  ASSERT_TRUE(open_file(path, {.create = true, .size = kMiB}));
  auto region = open_file(path, {.size = 4 * kMiB});
  ASSERT_FALSE(region);
  EXPECT_THAT(region.error().message, HasSubstr("is 1 MiB, 4 MiB are needed"));
}

TEST(FileRegion, NonPowerOfTwoSizeMapsWithANote) {
  TempDir dir;
  std::string path = dir / "odd";
  auto region = open_file(path, {.create = true, .size = 3 * kMiB});
  ASSERT_TRUE(region) << region.error().message;
  ASSERT_EQ((*region)->notes().size(), 1u);
  EXPECT_THAT((*region)->notes()[0], HasSubstr("3 MiB, not a power of two"));
}

TEST(FileRegion, CreateDoesNotClobberAnExistingFile) {
  TempDir dir;
  std::string path = dir / "existing";
  ASSERT_TRUE(open_file(path, {.create = true, .size = 2 * kMiB}));
  auto region = open_file(path, {.create = true, .size = kMiB});
  ASSERT_TRUE(region) << region.error().message;
  EXPECT_EQ((*region)->bytes().size(), 2 * kMiB);  // opened as it is, not truncated
}

// Permission denied must name owner, group, mode and the fix. Root ignores file modes, so as root
// the open runs in a child that has dropped to the unprivileged user `nobody`.
TEST(FileRegion, PermissionDeniedNamesOwnershipAndFix) {
  TempDir dir;
  std::string path = dir / "private";
  ASSERT_TRUE(open_file(path, {.create = true, .size = kMiB, .mode = 0600}));
  chmod(dir.path().c_str(), 0755);

  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (geteuid() == 0) {
      const passwd* nobody = getpwnam("nobody");
      if (!nobody || setgid(nobody->pw_gid) != 0 || setuid(nobody->pw_uid) != 0) _exit(2);
    } else if (chmod(path.c_str(), 0) != 0) {
      _exit(2);
    }
    auto region = open_file(path);
    std::string message = region ? "opened" : region.error().message;
    (void)!write(pipe_fds[1], message.data(), message.size());
    _exit(0);
  }
  close(pipe_fds[1]);
  std::string message;
  char buffer[512];
  for (ssize_t n; (n = read(pipe_fds[0], buffer, sizeof buffer)) > 0;) message.append(buffer, n);
  close(pipe_fds[0]);
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_THAT(message, HasSubstr("permission denied opening " + path));
  EXPECT_THAT(message, HasSubstr("mode 0"));
  EXPECT_THAT(message, HasSubstr("owner "));
  EXPECT_THAT(message, HasSubstr("kagami-setup shm --path " + path));
}

}  // namespace
}  // namespace kagami::shm
