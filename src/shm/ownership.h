#pragma once
// Names for a file's owner, group and mode, for messages: "owner root, group kvm, mode 0640".
#include <sys/types.h>

#include <string>

namespace kagami::shm {

std::string user_name(uid_t uid);   // "alice", or "uid 1234" when unknown
std::string group_name(gid_t gid);  // "kvm", or "gid 1234" when unknown
std::string describe_ownership(uid_t uid, gid_t gid, unsigned mode);
// The name of the user running this process (for "run as alice" hints).
std::string current_user_name();

}  // namespace kagami::shm
