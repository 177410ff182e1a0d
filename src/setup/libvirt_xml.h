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
  // kagami's way (false): a USB tablet, so the guest's pointer lands exactly where the client's is,
  // without capturing the mouse. Looking Glass's way (true): no tablet (relative mouse through
  // SPICE while captured) and <video><model type='none'/>, so the passed-through GPU is the
  // guest's only display.
  bool gpu_only = false;
  // Guest outputs, one <shmem> each: shmem_name, then shmem_name-2, … (setup/outputs.h).
  unsigned outputs = 1;
};

struct DomainEdit {
  std::string original;               // the input, re-serialised the same way as `edited`, for diffing
  std::string edited;                 // the domain with every change applied
  std::vector<std::string> changes;   // one line per change, for the user; empty: nothing to do
  std::vector<std::string> warnings;  // what the edit leaves that may still stop a picture
};

// Parses `xml` (a <domain>), applies what is missing or wrong, and serialises both versions.
Result<DomainEdit> edit_domain_xml(const std::string& xml, const DomainWants& wants);

// A libvirt scaled integer ("32" with unit "M") in bytes; unit "" means bytes, as in libvirt.
Result<std::uint64_t> libvirt_scaled_bytes(const std::string& value, const std::string& unit);

}  // namespace kagami::setup
