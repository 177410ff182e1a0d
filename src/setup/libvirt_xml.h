#pragma once
// The libvirt domain XML edits kagami needs, done on a parsed document (libxml2), never on text:
// an ivshmem <shmem> of the right size, SPICE graphics on loopback, a tablet, audio, and the
// spicevmc vdagent channel (clipboard). What is already right is left alone.
#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace kagami::setup {

struct DomainWants {
  std::string shmem_name = "looking-glass";  // libvirt backs it with /dev/shm/<name>
  std::uint64_t shmem_bytes = 32 * 1024 * 1024;
  std::string kvmfr_device;  // "/dev/kvmfr0": no <shmem>; QEMU gets the device through <qemu:commandline>
};

struct DomainEdit {
  std::string original;              // the input, re-serialised the same way as `edited`, for diffing
  std::string edited;                // the domain with every change applied
  std::vector<std::string> changes;  // one line per change, for the user; empty: nothing to do
};

// Parses `xml` (a <domain>), applies what is missing or wrong, and serialises both versions.
Result<DomainEdit> edit_domain_xml(const std::string& xml, const DomainWants& wants);

// A libvirt scaled integer ("32" with unit "M") in bytes; unit "" means bytes, as in libvirt.
Result<std::uint64_t> libvirt_scaled_bytes(const std::string& value, const std::string& unit);

}  // namespace kagami::setup
