#pragma once
// `kagami-setup qemu-args`: the plain QEMU options equivalent to what `kagami-setup libvirt` adds.
#include <cstdint>
#include <string>
#include <vector>

namespace kagami::setup {

struct QemuArgsRequest {
  std::string shm_path = "/dev/shm/looking-glass";  // a file, or /dev/kvmfrN
  std::uint64_t size = 32 * 1024 * 1024;
  std::uint16_t spice_port = 5900;
  unsigned outputs = 1;  // guest outputs: one region and ivshmem device each (setup/outputs.h)
};

// One group of arguments with the reason it is there.
struct QemuArgGroup {
  std::string why;
  std::vector<std::string> args;
};

std::vector<QemuArgGroup> qemu_args(const QemuArgsRequest& request);
// The groups as a commented, copy-pasteable shell fragment ending each line with a backslash.
std::string format_qemu_args(const std::vector<QemuArgGroup>& groups);

}  // namespace kagami::setup
