#include "setup/libvirt_kvmfr.h"

#include <fmt/format.h>

#include "setup/size.h"
#include "setup/xml_tree.h"

namespace kagami::setup {

using namespace xml;

std::string kvmfr_backend_json(const std::string& device, std::uint64_t bytes) {
  return fmt::format(
      "{{'qom-type':'memory-backend-file','id':'kagami-shm','mem-path':'{}','size':{},'share':true}}", device,
      bytes);
}

std::string kvmfr_libvirt_access_lines(const std::string& device) {
  return fmt::format(
      "For libvirt, QEMU opens {0} itself, which libvirt's device cgroup and AppArmor refuse by default:\n"
      "  1. /etc/libvirt/qemu.conf — uncomment cgroup_device_acl and add the device (keep the entries you "
      "have):\n"
      "       cgroup_device_acl = [\n"
      "           \"/dev/null\", \"/dev/full\", \"/dev/zero\",\n"
      "           \"/dev/random\", \"/dev/urandom\",\n"
      "           \"/dev/ptmx\", \"/dev/kvm\",\n"
      "           \"{0}\"\n"
      "       ]\n"
      "     then `sudo systemctl restart libvirtd`\n"
      "  2. AppArmor hosts (Debian, Ubuntu) — add to /etc/apparmor.d/local/abstractions/libvirt-qemu:\n"
      "       {0} rw,\n"
      "     then `sudo systemctl reload apparmor`\n",
      device);
}

void want_kvmfr_commandline(xmlNode* domain, const std::string& device, std::uint64_t bytes,
                            std::vector<std::string>& changes) {
  xmlNs* ns = xmlSearchNsByHref(domain->doc, domain, x(kLibvirtQemuNamespace));
  if (!ns) ns = xmlNewNs(domain, x(kLibvirtQemuNamespace), x("qemu"));

  xmlNode* commandline = nullptr;
  for (xmlNode* node = domain->children; node && !commandline; node = node->next) {
    if (named(node, "commandline") && node->ns == ns) commandline = node;
  }
  if (!commandline) commandline = add(domain, "commandline", {}, nullptr, ns);

  std::string backend = kvmfr_backend_json(device, bytes);
  std::string mem_path = fmt::format("'mem-path':'{}'", device);
  for (xmlNode* arg = commandline->children; arg; arg = arg->next) {
    std::string value = named(arg, "arg") ? attr(arg, "value") : "";
    if (value.find(mem_path) == std::string::npos) continue;
    if (value != backend) {
      xmlSetProp(arg, x("value"), x(backend.c_str()));
      changes.push_back(
          fmt::format("set the {} memory backend in <qemu:commandline> to {} MiB", device, bytes / kMiB));
    }
    return;
  }
  for (const std::string& value :
       {std::string("-device"),
        std::string("{'driver':'ivshmem-plain','id':'kagami-ivshmem','memdev':'kagami-shm'}"),
        std::string("-object"), backend}) {
    add(commandline, "arg", {{"value", value}}, nullptr, ns);
  }
  changes.push_back(fmt::format("pass ivshmem-plain on {} ({} MiB) to QEMU through <qemu:commandline>",
                                device, bytes / kMiB));
}

}  // namespace kagami::setup
