// kagami-setup: host setup for kagami — region size, the shared-memory file or kvmfr device, the
// libvirt domain, plain QEMU arguments, and a doctor. Options and wiring only; the work is in src/setup/.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>
#include <optional>

#include "setup/doctor.h"
#include "setup/kvmfr_setup.h"
#include "setup/libvirt_setup.h"
#include "setup/outputs.h"
#include "setup/qemu_args.h"
#include "setup/shm_file_setup.h"
#include "setup/size.h"

namespace {

using namespace kagami;
using namespace kagami::setup;

constexpr const char* kDefaultShm = "/dev/shm/looking-glass";

// --size / --for / --hdr, shared by several subcommands. Resolved after parsing.
struct SizeOptions {
  std::string size;
  std::string resolution;
  bool hdr = false;

  void add_to(CLI::App& app) {
    auto* size_opt = app.add_option("--size", size,
                                    "Region size: N MiB, or with a unit: 64M, 1G, 33554432B. Default: 32M "
                                    "(1920x1080 SDR); `shm` keeps the size of an existing file");
    auto* for_opt =
        app.add_option("--for", resolution,
                       "Size the region for this guest resolution (WxH) with the reference formula "
                       "(see `kagami-setup size`) instead of --size");
    size_opt->excludes(for_opt);
    app.add_flag("--hdr", hdr, "With --for: size for HDR frames (8 bytes per pixel). Default: off (SDR)");
  }

  bool given() const { return !size.empty() || !resolution.empty(); }

  // The options as the user gave them, for printed next commands.
  std::vector<std::string> args() const {
    std::vector<std::string> argv;
    if (!resolution.empty()) argv = {"--for", resolution};
    if (!size.empty()) argv = {"--size", size};
    if (hdr && !resolution.empty()) argv.push_back("--hdr");
    return argv;
  }

  kagami::Result<std::uint64_t> bytes() const {
    if (!resolution.empty()) {
      auto res = parse_resolution(resolution);
      if (!res) return res.error();
      return region_size_for(*res, hdr).region_bytes;
    }
    if (!size.empty()) return parse_size(size);
    return std::uint64_t{32} * kMiB;
  }
};

int fail(const kagami::Error& error) {
  spdlog::error("{}", error.message);
  return 1;
}

// One resolution, or one per guest output (each output has a region of its own).
int run_size(const std::vector<std::string>& resolutions, bool hdr) {
  for (std::size_t i = 0; i < resolutions.size(); ++i) {
    auto res = parse_resolution(resolutions[i]);
    if (!res) return fail(res.error());
    if (resolutions.size() > 1)
      std::cout << fmt::format("{}Output {} ({}): region {}\n", i ? "\n" : "", i + 1, resolutions[i],
                               output_region(kDefaultShm, static_cast<unsigned>(i)));
    std::cout << explain_region_size(region_size_for(*res, hdr));
  }
  return 0;
}

struct ShmCommand {
  std::string path = kDefaultShm;
  SizeOptions size;
  std::string user;  // empty: default_client_user(), resolved at run time (not baked into --help)
  std::string group = "kvm";
  std::string mode = "0660";
  std::string tmpfiles_dir = "/etc/tmpfiles.d";
  std::string etc_dir = "/etc";
  std::string modules_dir;
  bool dry_run = false;
  bool force = false;

  void add_to(CLI::App& app) {
    app.add_option("--path", path,
                   "The region: a /dev/shm file, or /dev/kvmfrN to set up the kvmfr module instead")
        ->capture_default_str();
    size.add_to(app);
    app.add_option("--user", user, "Owner: the user who runs kagami-client (default: $SUDO_USER, else you)");
    app.add_option("--group", group,
                   "Group: the one QEMU runs in (libvirt's libvirt-qemu/qemu users are in kvm)")
        ->capture_default_str();
    app.add_option("--mode", mode, "Permissions (octal); 0660 lets owner and group read and write")
        ->capture_default_str();
    app.add_option("--tmpfiles-dir", tmpfiles_dir,
                   "Where the systemd-tmpfiles rule goes that recreates the file at boot; '' for none")
        ->capture_default_str();
    app.add_option("--etc-dir", etc_dir, "kvmfr only: root of modprobe.d/, modules-load.d/ and udev/rules.d/")
        ->capture_default_str();
    app.add_option("--modules-dir", modules_dir,
                   "kvmfr only: where to look for kvmfr.ko (default: /lib/modules/<running kernel>)");
    app.add_flag("--dry-run", dry_run, "Print what would be done, change nothing");
    app.add_flag("--force", force,
                 "Resize the file even while processes (QEMU, kagami-agent, kagami-client) have it mapped or "
                 "open. Default: refuse and name them");
  }

  int run() {
    if (user.empty()) {
      user = default_client_user();
      if (user == "root")
        spdlog::warn("the owner will be root: pass --user with the user who runs kagami-client");
    }
    auto bytes = size.bytes();
    if (!bytes) return fail(bytes.error());
    unsigned mode_bits = 0;
    try {
      mode_bits = static_cast<unsigned>(std::stoul(mode, nullptr, 8));
    } catch (const std::exception&) {
      return fail({"--mode must be octal, e.g. 0660"});
    }
    Result<void> done;
    if (path.starts_with("/dev/kvmfr")) {
      done = setup_kvmfr({.size = *bytes,
                          .user = user,
                          .group = group,
                          .mode = mode_bits,
                          .etc_dir = etc_dir,
                          .modules_dir = modules_dir,
                          .dry_run = dry_run},
                         std::cout);
    } else {
      ShmFileRequest request;
      request.path = path;
      if (size.given()) request.size = *bytes;
      request.user = user;
      request.group = group;
      request.mode = mode_bits;
      request.tmpfiles_dir = tmpfiles_dir;
      request.dry_run = dry_run;
      request.force = force;
      done = setup_shm_file(request, std::cout);
    }
    if (!done) return fail(done.error());
    return 0;
  }
};

struct LibvirtCommand {
  LibvirtRequest request;
  std::string shm = kDefaultShm;
  std::string input, output;
  SizeOptions size;

  void add_to(CLI::App& app) {
    app.add_option("domain", request.domain, "The libvirt domain (VM) name")->required();
    app.add_flag("--apply", request.apply,
                 "Define the changed domain with `virsh define` (after showing the diff and validating it). "
                 "Default: only show");
    app.add_option("--connect", request.connect_uri,
                   "libvirt URI, e.g. qemu:///system or qemu:///session (default: virsh's own default)");
    app.add_option("--shm", shm,
                   "The region: /dev/shm/NAME becomes <shmem name='NAME'>; /dev/kvmfrN is passed to QEMU "
                   "through <qemu:commandline>")
        ->capture_default_str();
    size.add_to(app);
    app.add_flag(
        "--gpu-only", request.wants.gpu_only,
        "Looking Glass's way: no USB tablet (the mouse goes relative through SPICE, captured) and "
        "<video><model type='none'/> so the passed-through GPU is the guest's only display. Default: "
        "a USB tablet, an exact absolute pointer without capturing the mouse");
    app.add_option("--xml", input, "Read the domain XML from this file instead of `virsh dumpxml`");
    app.add_option("--output", output, "Also write the changed XML to this file");
    app.add_option("--outputs", request.wants.outputs,
                   "Guest outputs (monitors): one <shmem> each, NAME, NAME-2, NAME-3, … (docs/setup.md)")
        ->capture_default_str()
        ->check(CLI::Range(1u, kMaxOutputs));
  }

  int run() {
    auto bytes = size.bytes();
    if (!bytes) return fail(bytes.error());
    std::filesystem::path shm_path(shm);
    request.wants.shmem_bytes = *bytes;
    if (shm.starts_with("/dev/kvmfr")) {
      // libvirt's <shmem> cannot use a device: <qemu:commandline>
      request.wants.shmem_name.clear();
      request.wants.kvmfr_device = shm;
    } else if (shm_path.parent_path() == "/dev/shm") {
      request.wants.shmem_name = shm_path.filename().string();
    } else {
      return fail(
          {fmt::format("libvirt's <shmem> always uses /dev/shm/<name>, and {} is elsewhere: use a "
                       "/dev/shm path or /dev/kvmfrN",
                       shm)});
    }
    if (!input.empty()) request.input = input;
    request.size_args = size.args();
    if (!output.empty()) request.output = output;
    auto changed = setup_libvirt(request, std::cout);
    if (!changed) return fail(changed.error());
    return 0;
  }
};

struct QemuArgsCommand {
  std::string shm = kDefaultShm;
  SizeOptions size;
  std::uint16_t spice_port = 5900;
  unsigned outputs = 1;

  void add_to(CLI::App& app) {
    app.add_option("--shm", shm, "The region: a /dev/shm file or /dev/kvmfr0")->capture_default_str();
    size.add_to(app);
    app.add_option("--spice-port", spice_port, "SPICE TCP port on 127.0.0.1")->capture_default_str();
    app.add_option("--outputs", outputs,
                   "Guest outputs (monitors): one region and ivshmem device each, --shm, then --shm with -2, "
                   "-3, … appended")
        ->capture_default_str()
        ->check(CLI::Range(1u, kMaxOutputs));
  }

  int run() const {
    auto bytes = size.bytes();
    if (!bytes) return fail(bytes.error());
    if (outputs > 1 && shm.starts_with("/dev/kvmfr"))
      return fail(
          {"--outputs with /dev/kvmfrN is not supported yet: use /dev/shm regions for several outputs"});
    std::cout << format_qemu_args(qemu_args({shm, *bytes, spice_port, outputs}));
    return 0;
  }
};

struct DoctorCommand {
  DoctorOptions options;
  std::string resolution, domain;
  unsigned outputs = 1;

  void add_to(CLI::App& app) {
    app.add_option("--shm", options.shm_path, "The region to check: a file or /dev/kvmfrN")
        ->capture_default_str();
    app.add_option("--for", resolution, "Check the region is big enough for this guest resolution (WxH)");
    app.add_flag("--hdr", options.hdr, "With --for: the guest sends HDR frames");
    app.add_option("--sysfs-root", options.sysfs_root, "Where sysfs is mounted")->capture_default_str();
    app.add_option("--proc-root", options.proc_root, "Where procfs is mounted")->capture_default_str();
    app.add_option("--log", options.logs, "Logs searched for AppArmor/SELinux denials (repeat the option)")
        ->capture_default_str();
    app.add_flag("!--no-dmesg", options.read_kernel_log,
                 "Do not search the kernel log (dmesg) for denials; only the --log files");
    app.add_option("--domain", domain, "Also check this libvirt domain's devices");
    app.add_option("--connect", options.connect_uri,
                   "libvirt URI for --domain (default: virsh's own default)");
    app.add_option("--client-user", options.client_user,
                   "Who runs kagami-client (default: $SUDO_USER, else you)");
    app.add_option("--qemu-user", options.qemu_user,
                   "Who runs QEMU (default: libvirt-qemu or qemu, when such a user exists)");
    app.add_option("--outputs", outputs,
                   "Check one region per guest output: --shm, then --shm with -2, -3, …")
        ->capture_default_str()
        ->check(CLI::Range(1u, kMaxOutputs));
  }

  int run() {
    if (!resolution.empty()) {
      auto res = parse_resolution(resolution);
      if (!res) return fail(res.error());
      options.resolution = *res;
    }
    if (!domain.empty()) options.domain = domain;
    bool problems = false;
    const std::string first = options.shm_path;
    for (unsigned i = 0; i < outputs; ++i) {
      options.shm_path = output_region(first, i);
      if (outputs > 1)
        std::cout << fmt::format("{}== output {}: {}\n", i ? "\n" : "", i + 1, options.shm_path);
      auto findings = run_doctor(options);
      std::cout << format_findings(findings);
      problems |= has_problems(findings);
    }
    return problems ? 1 : 0;
  }
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "kagami-setup: prepares a Linux host for kagami (the KVM guest's screen in a window).\n"
      "Start with `kagami-setup size WxH`, then `shm`, `libvirt` (or `qemu-args`), and `doctor` "
      "when something does not work. Each subcommand has its own --help.",
      "kagami-setup"};
  app.set_version_flag("--version", std::string("kagami-setup ") + KAGAMI_VERSION);
  app.require_subcommand(1);
  app.footer("Exit status: 0 when all went well; 1 on an error, or when `doctor` found a problem.");

  std::vector<std::string> resolution;
  bool hdr = false;
  auto* size =
      app.add_subcommand("size", "Print the region size a guest resolution needs, with the arithmetic");
  size->add_option("resolution", resolution,
                   "Guest resolution WxH, e.g. 1920x1080; one per output for several monitors (each has its "
                   "own region)")
      ->required();
  size->add_flag("--hdr", hdr, "HDR frames (8 bytes per pixel instead of 4). Default: off");

  ShmCommand shm;
  shm.add_to(*app.add_subcommand(
      "shm",
      "Create or fix the shared-memory file (size, owner, group, mode) and a systemd-tmpfiles rule that "
      "recreates it at boot; with --path /dev/kvmfr0, write the kvmfr module's options and udev rule"));
  LibvirtCommand libvirt;
  libvirt.add_to(
      *app.add_subcommand("libvirt",
                          "Add the ivshmem <shmem>, SPICE on loopback, a tablet (or --gpu-only), audio and "
                          "the clipboard channel to a "
                          "libvirt domain: shows the diff, validates it, and defines it only with --apply"));
  QemuArgsCommand qemu;
  qemu.add_to(*app.add_subcommand("qemu-args", "Print the equivalent plain QEMU command-line options"));
  DoctorCommand doctor;
  doctor.add_to(*app.add_subcommand(
      "doctor",
      "Check the region, its permissions, the agent, kvmfr, IOMMU/vfio, AppArmor/SELinux and "
      "(with --domain) the libvirt domain; prints the fix for each problem"));

  CLI11_PARSE(app, argc, argv);
  spdlog::set_default_logger(spdlog::stderr_color_mt("kagami-setup"));  // stdout is for results
  spdlog::set_pattern("kagami-setup: %^%l%$: %v");

  if (size->parsed()) return run_size(resolution, hdr);
  if (app.got_subcommand("shm")) return shm.run();
  if (app.got_subcommand("libvirt")) return libvirt.run();
  if (app.got_subcommand("qemu-args")) return qemu.run();
  if (app.got_subcommand("doctor")) return doctor.run();
  return 1;
}
