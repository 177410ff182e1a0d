#include "setup/qemu_args.h"

#include <fmt/format.h>

#include <algorithm>

#include "setup/command.h"
#include "setup/outputs.h"
#include "setup/size.h"

namespace kagami::setup {

std::vector<QemuArgGroup> qemu_args(const QemuArgsRequest& request) {
  std::string size = fmt::format("{}M", request.size / kMiB);
  std::vector<QemuArgGroup> groups;
  for (unsigned i = 0; i < std::max(request.outputs, 1u); ++i) {
    const std::string id = output_region("kagami-shm", i);
    groups.push_back(
        {request.outputs > 1
             ? fmt::format("the shared memory of guest output {} (ivshmem BAR2; its own region and device)",
                           i + 1)
             : "the shared memory kagami-agent writes and kagami-client reads (ivshmem BAR2)",
         {"-object",
          fmt::format("memory-backend-file,id={},share=on,mem-path={},size={}", id,
                      output_region(request.shm_path, i), size),
          "-device", fmt::format("ivshmem-plain,memdev={}", id)}});
  }
  std::vector<QemuArgGroup> rest{
      {"SPICE on loopback only: keyboard, mouse, clipboard and audio for kagami-client",
       {"-spice", fmt::format("port={},addr=127.0.0.1,disable-ticketing=on", request.spice_port)}},
      {"an absolute pointer, so the guest cursor follows the client's",
       {"-device", "qemu-xhci", "-device", "usb-tablet"}},
      {"audio through SPICE",
       {"-audiodev", "spice,id=kagami-audio", "-device", "intel-hda", "-device",
        "hda-duplex,audiodev=kagami-audio"}},
      {"the SPICE agent channel (clipboard)",
       {"-device", "virtio-serial-pci", "-chardev", "spicevmc,id=vdagent,name=vdagent", "-device",
        "virtserialport,chardev=vdagent,name=com.redhat.spice.0"}},
  };
  groups.insert(groups.end(), rest.begin(), rest.end());
  return groups;
}

std::string format_qemu_args(const std::vector<QemuArgGroup>& groups) {
  // The reasons go first: a comment between backslash-continued lines would end the command.
  std::string text = "# Add to your qemu-system-x86_64 command line:\n";
  for (const auto& group : groups) text += "#   " + group.why + "\n";
  std::vector<std::string> lines;
  for (const auto& group : groups) {
    for (std::size_t i = 0; i < group.args.size(); i += 2) {
      auto first = group.args.begin() + static_cast<long>(i);
      auto last = group.args.begin() + static_cast<long>(std::min(i + 2, group.args.size()));
      lines.push_back(shell_quote({first, last}));
    }
  }
  for (std::size_t i = 0; i < lines.size(); ++i) text += lines[i] + (i + 1 < lines.size() ? " \\\n" : "\n");
  return text;
}

}  // namespace kagami::setup
