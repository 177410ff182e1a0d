#include "shm/ownership.h"

#include <fmt/format.h>
#include <grp.h>
#include <pwd.h>
#include <unistd.h>

namespace kagami::shm {

std::string user_name(uid_t uid) {
  if (const passwd* pw = getpwuid(uid)) return pw->pw_name;
  return fmt::format("uid {}", uid);
}

std::string group_name(gid_t gid) {
  if (const group* gr = getgrgid(gid)) return gr->gr_name;
  return fmt::format("gid {}", gid);
}

std::string describe_ownership(uid_t uid, gid_t gid, unsigned mode) {
  return fmt::format("owner {}, group {}, mode {:04o}", user_name(uid), group_name(gid), mode & 07777);
}

std::string current_user_name() { return user_name(geteuid()); }

}  // namespace kagami::shm
