// STOPGAP until the shm layer (branch `setup`, target kagami_shm) is on main: shm::open_region for
// plain files only, so the client links and its tests run. src/client/CMakeLists.txt compiles
// this file only when the kagami_shm target does not exist; delete it once it does.
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "shm/region.h"

namespace kagami::shm {
namespace {

class MappedFile final : public Region {
 public:
  MappedFile(std::string path, std::byte* data, std::size_t size)
      : path_(std::move(path)), data_(data), size_(size) {}
  ~MappedFile() override { munmap(data_, size_); }
  std::span<std::byte> bytes() const override { return {data_, size_}; }
  std::string describe() const override { return fmt::format("{} ({} MiB file)", path_, size_ >> 20); }

 private:
  std::string path_;
  std::byte* data_;
  std::size_t size_;
};

}  // namespace

Result<std::unique_ptr<Region>> open_region(const std::string& path) {
  const int fd = open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return Error{fmt::format("cannot open {}: {}", path, std::strerror(errno))};
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0) {
    close(fd);
    return Error{fmt::format("{} is not a non-empty regular file", path)};
  }
  const auto size = static_cast<std::size_t>(st.st_size);
  void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (p == MAP_FAILED) return Error{fmt::format("cannot map {}: {}", path, std::strerror(errno))};
  return std::unique_ptr<Region>(new MappedFile(path, static_cast<std::byte*>(p), size));
}

}  // namespace kagami::shm
