#pragma once
// The KVMFR VM and OS records for a Windows guest: product name and build, CPU model and
// counts, the capture backend in use.
#include <string_view>

#include "protocol/kvmfr_udata.h"

namespace kagami::agent {

protocol::GuestInfo windows_guest_info(std::string_view host_version, std::string_view capture_name);

}  // namespace kagami::agent
