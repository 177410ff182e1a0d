#pragma once
// The libvirt edit for a kvmfr device: libvirt's <shmem> only knows /dev/shm files, so /dev/kvmfrN
// goes to QEMU directly through <qemu:commandline> (JSON syntax: QEMU >= 6.2, libvirt >= 7.9).
#include <libxml/tree.h>

#include <cstdint>
#include <string>
#include <vector>

namespace kagami::setup {

inline constexpr const char* kLibvirtQemuNamespace = "http://libvirt.org/schemas/domain/qemu/1.0";

// The -object argument: "{'qom-type':'memory-backend-file','id':'kagami-shm','mem-path':...}".
std::string kvmfr_backend_json(const std::string& device, std::uint64_t bytes);

// What libvirt needs before QEMU may open the device itself: the cgroup_device_acl entry in
// /etc/libvirt/qemu.conf and, on AppArmor hosts, the rule for libvirt's QEMU profile. Printed by
// `kagami-setup libvirt --shm /dev/kvmfrN` and `kagami-setup shm --path /dev/kvmfrN`.
std::string kvmfr_libvirt_access_lines(const std::string& device);

// Makes `domain` pass the ivshmem-plain device and its kvmfr memory backend to QEMU.
void want_kvmfr_commandline(xmlNode* domain, const std::string& device, std::uint64_t bytes,
                            std::vector<std::string>& changes);

}  // namespace kagami::setup
