#include "setup/temp_file.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace kagami::setup {

Result<TempFile> TempFile::create(const std::string& stem, const std::string& suffix,
                                  const std::string& content) {
  std::string pattern =
      (std::filesystem::temp_directory_path() / fmt::format("kagami-{}-XXXXXX{}", stem, suffix)).string();
  int fd = mkstemps(pattern.data(), static_cast<int>(suffix.size()));
  if (fd < 0) return Error{fmt::format("cannot create a temporary file: {}", std::strerror(errno))};
  TempFile file(pattern);
  std::size_t done = 0;
  while (done < content.size()) {
    ssize_t n = write(fd, content.data() + done, content.size() - done);
    if (n <= 0) {
      close(fd);
      return Error{fmt::format("cannot write {}: {}", pattern, std::strerror(errno))};
    }
    done += static_cast<std::size_t>(n);
  }
  close(fd);
  return file;
}

TempFile::~TempFile() {
  if (!path_.empty()) unlink(path_.c_str());
}

}  // namespace kagami::setup
