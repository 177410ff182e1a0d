#include "pci_bar.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

namespace kagami::vm_test {
namespace {

std::string read_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

}  // namespace

bool map_ivshmem_bar(MappedBar& bar) {
  const std::string root = "/sys/bus/pci/devices/";
  DIR* dir = opendir(root.c_str());
  if (dir == nullptr) {
    std::fprintf(stderr, "cannot list %s: %s\n", root.c_str(), std::strerror(errno));
    return false;
  }
  std::string found;
  while (dirent* entry = readdir(dir)) {
    const std::string path = root + entry->d_name;
    if (read_line(path + "/vendor") == "0x1af4" && read_line(path + "/device") == "0x1110") {
      found = entry->d_name;
      break;
    }
  }
  closedir(dir);
  if (found.empty()) {
    std::fprintf(stderr, "no ivshmem device (1af4:1110) under %s; is -device ivshmem-plain given?\n",
                 root.c_str());
    return false;
  }
  std::string resource = root + found + "/resource2_wc";
  int fd = open(resource.c_str(), O_RDWR | O_SYNC);
  if (fd < 0) {
    resource = root + found + "/resource2";
    fd = open(resource.c_str(), O_RDWR | O_SYNC);
  }
  if (fd < 0) {
    std::fprintf(stderr, "cannot open %s: %s\n", resource.c_str(), std::strerror(errno));
    return false;
  }
  struct stat st {};
  fstat(fd, &st);
  void* data = mmap(nullptr, static_cast<std::size_t>(st.st_size), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (data == MAP_FAILED) {
    std::fprintf(stderr, "cannot map %s: %s\n", resource.c_str(), std::strerror(errno));
    return false;
  }
  bar = MappedBar{found, data, static_cast<std::size_t>(st.st_size)};
  return true;
}

}  // namespace kagami::vm_test
