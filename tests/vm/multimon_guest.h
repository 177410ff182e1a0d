#pragma once
// The two-monitor guest of the multi-monitor VM tests (vm_multimon_test, vm_multimon_client_test):
// a virtio-gpu with two outputs, the second forced on from the kernel command line (under
// `-display none` QEMU reports only the first connected), two ivshmem devices, the drawing
// program kagami-vm-drm-heads and the static agent serving one output per region.
#include <cstdint>
#include <string>

#include "guest_vm.h"

namespace kagami::vm_test::multimon {

// What the guest shows (with the default second mode): the two outputs side by side, as
// kagami-vm-drm-heads lights them and as the drm backend places them (CRTC order, top-aligned).
struct Head {
  const char* name;
  std::uint32_t width, height;
  std::int32_t x;
};
inline constexpr Head kHeads[2] = {{"Virtual-1", 1280, 720, 0}, {"Virtual-2", 1024, 768, 1280}};
inline constexpr std::uint32_t kDesktopWidth = 2304, kDesktopHeight = 768;
inline constexpr char kGpu[] = "gpu";  // the QEMU id of the display device (screendump per head)

// Lights both heads with the pictures of seeds 1 and 2 (`H SEED` lines to /tmp/heads redraw).
inline constexpr char kStartHeads[] =
    "mkfifo /tmp/heads 2>/dev/null; kagami-vm-drm-heads --fifo /tmp/heads 1 2 >/tmp/heads.log 2>&1 &";

// One agent for both outputs: output 0 by index, output 1 by connector name.
inline std::string start_agent_command() {
  return "kagami-agent --capture drm --poll-ms 10 --output 0 --device ivshmem:" + GuestVm::shm_bdf(0) +
         " --output Virtual-2 --device ivshmem:" + GuestVm::shm_bdf(1) + " >>/tmp/agent.log 2>&1 &";
}

// The guest: `files` must hold kagami-vm-drm-heads and kagami-agent. The first head is 1280x720,
// the second `second_mode` (kHeads: 1024x768; a client test wants two windows of one size).
inline VmOptions guest_options(std::vector<GuestFile> files, const std::string& second_mode = "1024x768") {
  VmOptions options;
  options.assets_dir = KAGAMI_VM_ASSETS;
  options.files = std::move(files);
  options.shm_regions = 2;
  options.display_args = {"-vga", "none", "-device",
                          std::string("virtio-gpu-pci,id=") + kGpu + ",max_outputs=2,xres=1280,yres=720"};
  options.kernel_args = "video=Virtual-2:" + second_mode + "e";
  return options;
}

}  // namespace kagami::vm_test::multimon
