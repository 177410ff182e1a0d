// A region whose /dev/shm file is truncated under the live mapping: the process must not die by
// SIGBUS (sigbus_guard.h). Real files in /dev/shm, truncated by the real `truncate` program.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include "shm/region.h"

namespace kagami::shm {
namespace {

using ::testing::HasSubstr;

constexpr std::uint64_t kMiB = 1024 * 1024;

// A file in /dev/shm (tmpfs, as in real use), removed at scope exit.
class ShmFile {
 public:
  explicit ShmFile(const std::string& name)
      : path_("/dev/shm/kagami-test-" + name + "-" + std::to_string(getpid())) {
    unlink(path_.c_str());
  }
  ~ShmFile() { unlink(path_.c_str()); }
  const std::string& path() const { return path_; }
  // Resizes the file from another process, as a user or kagami-setup would.
  void truncate_to(const std::string& size) const {
    std::string command = "truncate -s " + size + " " + path_;
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
  }

 private:
  std::string path_;
};

std::unique_ptr<Region> create(const ShmFile& file, std::uint64_t size, unsigned char fill) {
  auto region = open_file(file.path(), {.create = true, .size = size});
  EXPECT_TRUE(region) << region.error().message;
  if (!region) return nullptr;
  std::memset((*region)->bytes().data(), fill, size);
  return std::move(*region);
}

TEST(RegionShrink, ReadPastTheNewEndReadsZerosAndSetsShrunk) {
  ShmFile file("shrink-read");
  auto region = create(file, 4 * kMiB, 0xAB);
  ASSERT_TRUE(region);
  EXPECT_FALSE(region->shrunk());
  EXPECT_EQ(region->current_file_size(), 4 * kMiB);

  file.truncate_to("1M");
  // The cheap check sees the truncation before anything touches the lost pages.
  EXPECT_EQ(region->current_file_size(), kMiB);
  EXPECT_FALSE(region->shrunk());

  auto bytes = region->bytes();
  volatile std::byte* data = bytes.data();
  EXPECT_EQ(static_cast<unsigned>(data[kMiB / 2]), 0xABu);  // inside the file: untouched
  EXPECT_EQ(static_cast<unsigned>(data[3 * kMiB]), 0u);     // past the end: zeros, no SIGBUS
  EXPECT_TRUE(region->shrunk());
  // The whole tail reads zeros (one fault replaced all of it).
  std::vector<std::byte> tail(3 * kMiB);
  std::memcpy(tail.data(), bytes.data() + kMiB, tail.size());
  EXPECT_EQ(std::count(tail.begin(), tail.end(), std::byte{0}), static_cast<long>(tail.size()));
}

TEST(RegionShrink, WriteAcrossTheNewEndCompletes) {
  ShmFile file("shrink-write");
  auto region = create(file, 2 * kMiB, 0);
  ASSERT_TRUE(region);
  file.truncate_to("1M");
  std::vector<std::byte> payload(8192, std::byte{0x5A});
  std::memcpy(region->bytes().data() + kMiB - 4096, payload.data(), payload.size());
  EXPECT_TRUE(region->shrunk());
  // The half inside the file reached it; the half past the end went nowhere.
  auto again = open_file(file.path());
  ASSERT_TRUE(again) << again.error().message;
  ASSERT_EQ((*again)->bytes().size(), kMiB);
  EXPECT_EQ((*again)->bytes()[kMiB - 1], std::byte{0x5A});
}

TEST(RegionShrink, RemapWhenWholeAgainSeesTheFileAgain) {
  ShmFile file("shrink-remap");
  auto region = create(file, 4 * kMiB, 0x11);
  ASSERT_TRUE(region);
  std::byte* base = region->bytes().data();
  file.truncate_to("2M");
  EXPECT_EQ(static_cast<unsigned>(static_cast<volatile std::byte*>(base)[3 * kMiB]), 0u);
  ASSERT_TRUE(region->shrunk());

  auto early = region->remap();
  ASSERT_FALSE(early);
  EXPECT_THAT(early.error().message, HasSubstr("is still 2 MiB, the mapping needs 4 MiB"));

  file.truncate_to("4M");
  auto remapped = region->remap();
  ASSERT_TRUE(remapped) << remapped.error().message;
  EXPECT_FALSE(region->shrunk());
  EXPECT_EQ(region->bytes().data(), base);  // same address: spans held by others stay valid

  // The mapping is the file again: a write through a second mapping shows up in the first.
  auto other = open_file(file.path());
  ASSERT_TRUE(other) << other.error().message;
  std::memcpy((*other)->bytes().data() + 3 * kMiB, "whole", 5);
  EXPECT_EQ(std::memcmp(base + 3 * kMiB, "whole", 5), 0);
  EXPECT_EQ(static_cast<unsigned>(base[kMiB]), 0x11u);  // content before the cut survived

  // And a second truncation is absorbed again.
  file.truncate_to("1M");
  EXPECT_EQ(static_cast<unsigned>(static_cast<volatile std::byte*>(base)[2 * kMiB]), 0u);
  EXPECT_TRUE(region->shrunk());
}

TEST(RegionShrink, OnlyTheTruncatedRegionReportsIt) {
  ShmFile cut("shrink-cut");
  ShmFile kept("shrink-kept");
  auto a = create(cut, 2 * kMiB, 1);
  auto b = create(kept, 2 * kMiB, 2);
  ASSERT_TRUE(a && b);
  cut.truncate_to("0");
  EXPECT_EQ(static_cast<unsigned>(static_cast<volatile std::byte*>(a->bytes().data())[0]), 0u);
  EXPECT_EQ(static_cast<unsigned>(static_cast<volatile std::byte*>(b->bytes().data())[kMiB]), 2u);
  EXPECT_TRUE(a->shrunk());
  EXPECT_FALSE(b->shrunk());
}

TEST(RegionShrink, ThreadCopyingTheWholeRegionSurvivesATruncation) {
  ShmFile file("shrink-thread");
  auto region = create(file, 8 * kMiB, 0x77);
  ASSERT_TRUE(region);
  std::atomic<bool> stop{false};
  std::atomic<int> copies{0};
  std::thread reader([&] {
    std::vector<std::byte> frame(region->bytes().size());
    while (!stop.load()) {
      std::memcpy(frame.data(), region->bytes().data(), frame.size());
      copies.fetch_add(1);
    }
  });
  while (copies.load() < 2) std::this_thread::yield();
  file.truncate_to("1M");
  int after = copies.load();
  while (copies.load() < after + 2) std::this_thread::yield();
  stop = true;
  reader.join();
  EXPECT_TRUE(region->shrunk());
}

// The process did not carry on past the fault: killed by SIGBUS (the default action), or, under
// ASan (whose handler was installed before ours and gets the signal passed on), reported and
// exited non-zero. Reaching the _Exit(0) after the access would mean the guard swallowed it.
bool died_of_the_fault(int status) {
  if (WIFSIGNALED(status)) return WTERMSIG(status) == SIGBUS;
  return WIFEXITED(status) && WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != 2;
}

// A SIGBUS outside every registered mapping still ends the process with the default action, even
// with the guard installed.
TEST(RegionShrinkDeathTest, FaultOutsideARegisteredMappingStillKills) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  ShmFile guarded("shrink-guarded");
  ShmFile raw("shrink-raw");
  auto region = create(guarded, kMiB, 0);  // installs the handler
  ASSERT_TRUE(region);
  unlink(guarded.path().c_str());  // the death test's child dies with it mapped: leave no file behind
  EXPECT_EXIT(
      {
        int fd = open(raw.path().c_str(), O_RDWR | O_CREAT, 0600);
        unlink(raw.path().c_str());  // this process dies: the open fd is all it needs
        if (fd < 0 || ftruncate(fd, 2 * kMiB) != 0) std::_Exit(2);
        auto* map =
            static_cast<volatile char*>(mmap(nullptr, 2 * kMiB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
        if (ftruncate(fd, 0) != 0) std::_Exit(2);
        (void)map[kMiB];  // not registered: SIGBUS kills
        std::_Exit(0);
      },
      died_of_the_fault, "");
}

// The guard's handler is for faults, not for a SIGBUS sent with kill(): that one keeps its
// default action too.
TEST(RegionShrinkDeathTest, SentSigbusStillKills) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  ShmFile guarded("shrink-sent");
  auto region = create(guarded, kMiB, 0);
  ASSERT_TRUE(region);
  unlink(guarded.path().c_str());
  EXPECT_EXIT(
      {
        raise(SIGBUS);
        std::_Exit(0);
      },
      died_of_the_fault, "");
}

}  // namespace
}  // namespace kagami::shm
