#pragma once
// GuestVm: one QEMU guest for a test, booted from the Debian kernel and the busybox initramfs
// that the vm.assets test prepares (see docs/vm-tests.md). It has what kagami needs: one or more
// ivshmem-plain devices, each on a fresh /dev/shm file, standard VGA (bochs DRM, /dev/fb0) or
// another display device, a USB tablet and keyboard, and SPICE on 127.0.0.1. The test talks to
// it through:
//   - the console log (ttyS0): progress lines "kagami-vm: <event> <uptime>";
//   - the control port (ttyS1): run() executes a shell command in the guest;
//   - QMP: screendump() and monitor() commands.
// QEMU is always killed when the GuestVm goes away (and when the test process dies).
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "child_process.h"
#include "common/result.h"
#include "qmp_client.h"
#include "unix_stream.h"

namespace kagami::vm_test {

struct GuestFile {
  std::string host_path;   // a file built on the host (a static program)
  std::string guest_path;  // where it appears in the guest, e.g. /bin/kagami-agent (mode 0755)
};

struct VmOptions {
  std::string assets_dir;            // holds vmlinux and base.cpio (the vm.assets fixture's output)
  std::vector<GuestFile> files;      // added to the initramfs
  std::size_t shm_size = 32u << 20;  // each ivshmem region; a power of two
  // How many ivshmem devices (one /dev/shm file each); device i sits at PCI slot 0x10 + i, so the
  // guest finds it as ivshmem:<shm_bdf(i)>.
  std::size_t shm_regions = 1;
  // The display device; e.g. {"-vga", "none", "-device", "virtio-gpu-pci,max_outputs=2"}.
  std::vector<std::string> display_args = {"-vga", "std"};
  // Appended to the kernel command line, e.g. "video=Virtual-2:1024x768e" (force a connector on).
  std::string kernel_args;
  unsigned memory_mb = 512;
  unsigned width = 1280;  // the guest's display mode, set on the kernel command line
  unsigned height = 720;
  // "tcg" or "kvm"; empty: $KAGAMI_VM_ACCEL, else tcg (KVM hangs on the project's machines).
  std::string accel;
  std::vector<std::string> extra_qemu_args;
  int boot_timeout_ms = 60000;  // until the guest's "ready" line
};

struct ConsoleEvent {
  std::string line;          // the whole console line
  double host_seconds = 0;   // when the host saw it, from QEMU's start
  double guest_uptime = -1;  // the uptime the guest printed on a "kagami-vm:" line, if any
};

struct CommandResult {
  int status = -1;     // the shell's exit status
  std::string output;  // stdout and stderr, interleaved
};

class GuestVm {
 public:
  // Boots the guest and waits for its "ready" line; on failure the error holds the console tail.
  static Result<std::unique_ptr<GuestVm>> start(VmOptions options);
  ~GuestVm();
  GuestVm(const GuestVm&) = delete;
  GuestVm& operator=(const GuestVm&) = delete;

  // Waits until a console line contains `text` (searching from the start of the log). The
  // event's host time is when the harness first read the line (it polls every 5 ms while
  // booting and waiting), so a test can time guest events.
  Result<ConsoleEvent> wait_for_console(std::string_view text, int timeout_ms);
  // Runs `command` with /bin/sh in the guest (stdin /dev/null). Start long-running programs in
  // the background with their output in a guest file, e.g. "prog >/tmp/prog.log 2>&1 &".
  Result<CommandResult> run(std::string_view command, int timeout_ms = 30000);
  // Runs `command` again every 50 ms until its output contains `text` (e.g. a line in a log
  // a background program writes); returns that run's result, or an error after the timeout.
  Result<CommandResult> run_until(std::string_view command, std::string_view text, int timeout_ms);
  // Writes what the guest's display shows to a PPM file (QEMU's screendump); with several
  // outputs, `device` (the display device's QEMU id) and `head` pick one.
  Result<void> screendump(const std::string& ppm_path, const std::string& device = "", int head = 0);
  // A human monitor command, e.g. "info spice"; returns its output.
  Result<std::string> monitor(std::string_view command);
  // A QMP command object, e.g. {"execute":"input-send-event",...}; returns the reply line.
  Result<std::string> qmp(std::string_view command_json);
  // Asks QEMU to quit, then kills it; idempotent.
  void stop();

  // The host's mapping of ivshmem region `i` (the /dev/shm file QEMU shares with the guest).
  std::span<std::byte> shm(std::size_t i = 0) const {
    return {static_cast<std::byte*>(shm_maps_.at(i)), options_.shm_size};
  }
  const std::string& shm_path(std::size_t i = 0) const { return shm_paths_.at(i); }
  // The guest's PCI address of ivshmem device `i`, e.g. "0000:00:10.0".
  static std::string shm_bdf(std::size_t i);
  int spice_port() const { return spice_port_; }
  const std::string& work_dir() const { return work_dir_; }
  const std::string& accel() const { return accel_; }
  // The last lines of the console log and of QEMU's own output, for failure messages.
  std::string diagnostics(std::size_t lines = 40) const;
  // Keeps the work directory (console log, screendumps) after stop, e.g. when a test failed.
  void keep_work_dir() { keep_work_dir_ = true; }

 private:
  GuestVm() = default;
  Result<void> boot();
  Result<void> build_initrd(const std::string& path);
  std::vector<std::string> qemu_command(const std::string& initrd) const;
  std::string console_log() const;
  // Reads the console lines that appeared since the last call into console_lines_.
  void scan_console();

  VmOptions options_;
  std::string accel_;
  std::string work_dir_;
  std::vector<std::string> shm_paths_;
  std::vector<void*> shm_maps_;
  int spice_port_ = 0;
  ChildProcess qemu_;
  std::chrono::steady_clock::time_point started_;
  std::vector<ConsoleEvent> console_lines_;
  std::size_t console_bytes_scanned_ = 0;
  QmpClient qmp_;
  UnixStream control_;
  std::string control_buffer_;
  bool keep_work_dir_ = false;
  bool stopped_ = false;
};

// Reads an environment variable the CMake test registration sets; empty if unset.
std::string env_or_empty(const char* name);

}  // namespace kagami::vm_test
