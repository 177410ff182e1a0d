#include "shm/mapped_fd.h"

#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "shm/sigbus_guard.h"

namespace kagami::shm {
namespace {

class MappedFdRegion final : public Region {
 public:
  MappedFdRegion(int fd, void* base, std::uint64_t size, std::string description,
                 std::vector<std::string> notes)
      : fd_(fd),
        base_(base),
        size_(size),
        description_(std::move(description)),
        notes_(std::move(notes)),
        guard_(std::make_unique<SigbusGuard>(base, size, fd)) {
    if (!guard_->valid()) {
      notes_.push_back(
          fmt::format("more than {} regions are mapped: a truncation of this one would "
                      "end the process (SIGBUS)",
                      SigbusGuard::kMaxGuarded));
    }
  }
  ~MappedFdRegion() override {
    guard_.reset();  // unregister before the range can be reused
    munmap(base_, size_);
    close(fd_);
  }
  MappedFdRegion(const MappedFdRegion&) = delete;
  MappedFdRegion& operator=(const MappedFdRegion&) = delete;

  std::span<std::byte> bytes() const override { return {static_cast<std::byte*>(base_), size_}; }
  std::string describe() const override { return description_; }
  int fd() const override { return fd_; }
  std::vector<std::string> notes() const override { return notes_; }

  bool shrunk() const override { return guard_->faults() != faults_seen_; }

  std::uint64_t current_file_size() const override {
    struct stat st {};
    // Devices and PCI resource files do not shrink; only a regular file's size can change.
    if (fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) return size_;
    return static_cast<std::uint64_t>(st.st_size);
  }

  Result<void> remap() override {
    std::uint64_t now = current_file_size();
    if (now < size_) {
      return Error{fmt::format("{} is still {}, the mapping needs {}: not remapped", description_,
                               format_size(now), format_size(size_))};
    }
    // Read before mapping: a fault absorbed after the new mapping (another truncation) still counts.
    std::uint64_t faults = guard_->faults();
    if (mmap(base_, size_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd_, 0) == MAP_FAILED) {
      return Error{fmt::format("cannot map {} again: {}", description_, std::strerror(errno))};
    }
    faults_seen_ = faults;
    return {};
  }

 private:
  int fd_;
  void* base_;
  std::size_t size_;
  std::string description_;
  std::vector<std::string> notes_;
  std::unique_ptr<SigbusGuard> guard_;
  std::atomic<std::uint64_t> faults_seen_{0};  // guard_->faults() when the file was last mapped whole
};

}  // namespace

std::string format_size(std::uint64_t bytes) {
  constexpr std::uint64_t kMiB = 1024 * 1024;
  if (bytes != 0 && bytes % kMiB == 0) return fmt::format("{} MiB", bytes / kMiB);
  return fmt::format("{} bytes", bytes);
}

std::string power_of_two_note(const std::string& path, std::uint64_t size) {
  return fmt::format(
      "{} is {}, not a power of two: QEMU's ivshmem-plain needs a power-of-two size "
      "(run `kagami-setup size WxH` for the right one)",
      path, format_size(size));
}

Result<std::unique_ptr<Region>> map_fd(int fd, std::uint64_t size, std::string path, std::string kind,
                                       std::vector<std::string> notes) {
  if (size > SIZE_MAX) {
    close(fd);
    return Error{fmt::format("{}: {} does not fit this process's address space", path, format_size(size))};
  }
  void* base = mmap(nullptr, static_cast<std::size_t>(size), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (base == MAP_FAILED) {
    int err = errno;
    close(fd);
    return Error{
        fmt::format("cannot map {} ({}) read-write: {}", path, format_size(size), std::strerror(err))};
  }
  std::string description = fmt::format("{} ({} {})", path, format_size(size), kind);
  return std::unique_ptr<Region>(
      new MappedFdRegion(fd, base, size, std::move(description), std::move(notes)));
}

}  // namespace kagami::shm
