#pragma once
// Test-only: a /dev/shm file mapped shared, created at a size when asked. (The product's
// mappings, with their error messages, live in src/shm/.)
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>

namespace kagami::test {

class MappedFile {
 public:
  MappedFile(const std::string& path, std::size_t create_size) {
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT, 0600);
    if (fd_ < 0) throw std::runtime_error("open " + path);
    struct stat st {};
    ::fstat(fd_, &st);
    if (st.st_size == 0 && ::ftruncate(fd_, static_cast<off_t>(create_size)) != 0)
      throw std::runtime_error("ftruncate " + path);
    size_ = st.st_size ? static_cast<std::size_t>(st.st_size) : create_size;
    void* p = ::mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
    if (p == MAP_FAILED) throw std::runtime_error("mmap " + path);
    data_ = static_cast<std::byte*>(p);
  }
  ~MappedFile() {
    ::munmap(data_, size_);
    ::close(fd_);
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  std::span<std::byte> bytes() const { return {data_, size_}; }

 private:
  int fd_ = -1;
  std::byte* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace kagami::test
