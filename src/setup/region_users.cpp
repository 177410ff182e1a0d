#include "setup/region_users.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace kagami::setup {
namespace {

namespace fs = std::filesystem;

// A maps line: "addr perms offset MAJ:MIN inode path". The device is in hex, the inode decimal.
bool maps_line_matches(const std::string& line, unsigned major_number, unsigned minor_number,
                       unsigned long inode) {
  unsigned maj = 0, min = 0;
  unsigned long ino = 0;
  if (std::sscanf(line.c_str(), "%*s %*s %*s %x:%x %lu", &maj, &min, &ino) != 3) return false;
  return ino == inode && maj == major_number && min == minor_number;
}

// -1: unreadable; 0/1: whether a line matches.
int maps_match(const fs::path& maps, const struct stat& target) {
  std::ifstream in(maps);
  if (!in) return -1;
  std::string line;
  while (std::getline(in, line)) {
    if (maps_line_matches(line, major(target.st_dev), minor(target.st_dev), target.st_ino)) return 1;
  }
  return 0;
}

int fd_match(const fs::path& fd_dir, const struct stat& target) {
  std::error_code ec;
  fs::directory_iterator it(fd_dir, ec);
  if (ec) return -1;
  for (const auto& entry : it) {
    struct stat st {};
    if (stat(entry.path().c_str(), &st) == 0 && st.st_dev == target.st_dev && st.st_ino == target.st_ino)
      return 1;
  }
  return 0;
}

std::string process_name(const fs::path& dir) {
  std::ifstream in(dir / "comm");
  std::string name;
  std::getline(in, name);
  return name.empty() ? "?" : name;
}

}  // namespace

RegionUsers find_region_users(const std::string& path, const std::string& proc_root) {
  RegionUsers result;
  struct stat target {};
  if (stat(path.c_str(), &target) != 0) return result;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(proc_root, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    int pid = std::stoi(name);
    if (pid == getpid()) continue;
    int mapped = maps_match(entry.path() / "maps", target);
    int open = fd_match(entry.path() / "fd", target);
    if (mapped < 0 && open < 0) {
      // Gone meanwhile, or not ours to read.
      if (fs::exists(entry.path())) ++result.unreadable;
      continue;
    }
    if (mapped > 0 || open > 0) {
      result.users.push_back({pid, process_name(entry.path()), mapped > 0, open > 0});
    }
  }
  return result;
}

std::string describe_users(const std::vector<RegionUser>& users) {
  std::string text;
  for (const RegionUser& user : users) {
    if (!text.empty()) text += ", ";
    const char* how = user.mapped && user.open ? "mapped and open" : user.mapped ? "mapped" : "open";
    text += fmt::format("{} (pid {}, {})", user.name, user.pid, how);
  }
  return text;
}

}  // namespace kagami::setup
