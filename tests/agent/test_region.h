#pragma once
// Shared memory for in-process agent tests: a memfd of the given size, mapped, with its fd
// (so the x11 backend can attach it with MIT-SHM, as with the real region).
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <span>

namespace kagami::testing {

class TestRegion {
 public:
  explicit TestRegion(std::size_t size) : size_(size) {
    fd_ = ::memfd_create("kagami-agent-test", MFD_CLOEXEC);
    if (fd_ >= 0 && ::ftruncate(fd_, static_cast<off_t>(size)) == 0) {
      void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
      if (p != MAP_FAILED) base_ = static_cast<std::byte*>(p);
    }
  }
  ~TestRegion() {
    if (base_) ::munmap(base_, size_);
    if (fd_ >= 0) ::close(fd_);
  }
  TestRegion(const TestRegion&) = delete;
  TestRegion& operator=(const TestRegion&) = delete;

  bool ok() const { return base_ != nullptr; }
  std::span<std::byte> bytes() const { return {base_, size_}; }
  int fd() const { return fd_; }

 private:
  std::size_t size_;
  int fd_ = -1;
  std::byte* base_ = nullptr;
};

}  // namespace kagami::testing
