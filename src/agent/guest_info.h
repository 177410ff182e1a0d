#pragma once
// What the agent says about the guest in the KVMFR records (kvmfr-v20.md §1): OS name, CPU
// model and counts, capture backend. The parsers take file contents, so tests feed them text.
#include <string>
#include <string_view>

#include "protocol/kvmfr_udata.h"

namespace kagami::agent {

struct CpuCounts {
  unsigned cpus = 0;     // logical processors
  unsigned cores = 0;    // distinct (physical id, core id) pairs
  unsigned sockets = 0;  // distinct physical ids
  std::string model;     // first "model name"
};
CpuCounts parse_cpuinfo(std::string_view cpuinfo);
// PRETTY_NAME (else NAME) of an os-release file, unquoted; "Linux" when neither is there.
std::string parse_os_release(std::string_view os_release);

// Reads /proc/cpuinfo, /etc/os-release and the host name. The OS record's name is
// "<PRETTY_NAME> (<hostname>)": KVMFR has no host name field, and the client shows this one.
protocol::GuestInfo collect_guest_info(std::string_view capture_backend);

}  // namespace kagami::agent
