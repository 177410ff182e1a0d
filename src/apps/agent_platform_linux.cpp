// kagami-agent on Linux: --shm/--device regions, the wlr, x11, drm, fb and pattern backends.
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>

#include "agent/guest_info.h"
#include "apps/agent_platform.h"
#include "capture/backends.h"

namespace kagami::apps {
namespace {

// "WxH" and nothing else: digits, one 'x', digits (no sign, space or trailing text such as
// "1280x720x3", which sscanf("%u%c%u") used to accept).
bool parse_size(const std::string& text, capture::PatternSize* size) {
  const char* const end = text.data() + text.size();
  const auto number = [end](const char* from, unsigned* out) -> const char* {
    if (from == end || *from < '0' || *from > '9') return nullptr;
    const auto [ptr, ec] = std::from_chars(from, end, *out);
    return ec == std::errc{} ? ptr : nullptr;
  };
  unsigned w = 0, h = 0;
  const char* p = number(text.data(), &w);
  if (!p || p == end || (*p != 'x' && *p != 'X')) return false;
  p = number(p + 1, &h);
  if (p != end) return false;
  size->width = w;
  size->height = h;
  return w >= capture::kPatternMinWidth && h >= capture::kPatternMinHeight && w <= 16384 && h <= 16384;
}

// Who holds the flock on the file behind `fd`: "pid 1234: kagami-agent --shm …" from /proc/locks
// (FLOCK lines name the locking process, the device as hex major:minor, and the inode).
std::string lock_holder(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return "unknown process";
  const std::string file = fmt::format("{:02x}:{:02x}:{}", major(st.st_dev), minor(st.st_dev), st.st_ino);
  std::ifstream locks("/proc/locks");
  for (std::string line; std::getline(locks, line);) {
    std::istringstream fields(line);
    std::string number, type, mode, access, pid, where;
    fields >> number >> type;
    if (type == "->") fields >> type;  // a waiter, not the holder
    fields >> mode >> access >> pid >> where;
    if (type != "FLOCK" || where != file) continue;
    std::ifstream cmdline("/proc/" + pid + "/cmdline");
    std::string command((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
    std::replace(command.begin(), command.end(), '\0', ' ');
    while (!command.empty() && command.back() == ' ') command.pop_back();
    return command.empty() ? "pid " + pid : fmt::format("pid {}: {}", pid, command);
  }
  return "a process this user cannot see";
}

class LinuxPlatform final : public AgentPlatform {
 public:
  void add_options(CLI::App& app) override {
    auto* shm_opt =
        app.add_option("--shm", shm_,
                       "Shared-memory file to publish into, e.g. /dev/shm/looking-glass (testing, or a "
                       "host-side run); /dev/kvmfrN for the kvmfr device");
    app.add_option("--device", device_,
                   "ivshmem PCI device inside a VM: 'ivshmem' (the first 1af4:1110 device, also what the agent "
                   "uses without --shm or --device) or 'ivshmem:BDF' (e.g. ivshmem:0000:00:05.0)")
        ->excludes(shm_opt);
    std::string names;
    for (const auto& n : capture::backend_names()) names += n + ", ";
    app.add_option("--capture", capture_name_,
                   "Capture backend: " + names +
                       "or auto (Wayland session: wlr, portal, drm, fb; X11: x11, drm, fb; console: drm, fb; "
                       "the first "
                       "that starts, logged)")
        ->capture_default_str();
    app.add_option("--display", backend_.display, "x11: the X display to capture (default: $DISPLAY)");
    app.add_option(
        "--output", backend_.output,
        "x11, drm, wlr: capture one output (a RandR monitor or connector name such as HDMI-1; x11 and drm "
        "also take an index); repeat as --output A --shm X --output B --shm Y to serve several, each into "
        "its own region");
    app.add_option("--wayland-display", backend_.wayland_display,
                   "wlr: the Wayland socket to capture (default: $WAYLAND_DISPLAY)");
    app.add_option("--wlr-output", backend_.output,
                   "wlr: the output to capture by name (default: the first); the same as --output");
    app.add_flag("--wlr-cursor", backend_.overlay_cursor, "wlr: paint the cursor into the frames");
    app.add_option("--portal-token-file", backend_.portal_token_file,
                   "portal: where the screen-cast permission (restore token) is kept (default: "
                   "$XDG_STATE_HOME/kagami/portal-restore-token)");
    app.add_option("--fb-device", backend_.fb_path, "fb: the framebuffer device")->capture_default_str();
    app.add_option("--drm-device", backend_.drm_path, "drm: the DRM card")->capture_default_str();
    app.add_option("--poll-ms", poll_ms_,
                   "fb/drm: how often the screen is read; x11: how often the pointer position is read (ms)")
        ->capture_default_str();
    app.add_option("--pattern-size", pattern_size_, "pattern: screen size WxH")->capture_default_str();
    app.add_option("--pattern-seed", backend_.pattern.seed, "pattern: seed of the scene")
        ->capture_default_str();
    app.add_option("--pattern-fps", pattern_fps_, "pattern: frames per second the scene makes")
        ->capture_default_str()
        ->check(CLI::Range(1u, 1000u));
  }

  Result<void> check_options() override {
    if (!parse_size(pattern_size_, &backend_.pattern.size)) {
      return Error{fmt::format("--pattern-size {}: expected WxH, at least {}x{}", pattern_size_,
                               capture::kPatternMinWidth, capture::kPatternMinHeight)};
    }
    backend_.pattern.frame_interval = std::chrono::microseconds(1'000'000 / pattern_fps_);
    backend_.poll_interval = std::chrono::milliseconds(std::max(1u, poll_ms_));
    return {};
  }

  // Neither --shm nor --device: inside a VM the first ivshmem device is the usual answer (as the
  // Looking Glass host does), so a bare `kagami-agent` works there.
  Result<std::unique_ptr<shm::Region>> open_region() override {
    if (!shm_.empty()) return shm::open_region(shm_);
    if (!device_.empty()) return shm::open_region(device_);
    auto region = shm::open_region("ivshmem");
    if (!region)
      return Error{fmt::format(
          "no shared memory given, and none found: {}. Inside a VM add an ivshmem device; elsewhere "
          "(testing, a host-side run) pass --shm PATH (see --help)",
          region.error().message)};
    return region;
  }

  // An exclusive flock on the region's file (the /dev/shm file, /dev/kvmfrN or the BAR's sysfs
  // file), held through the region's fd until the process ends: the kernel drops it when this
  // agent dies, so it never goes stale. Lockless files fall through to the heartbeat check.
  Result<void> claim_region(const shm::Region& region) override {
    if (region.fd() < 0 || ::flock(region.fd(), LOCK_EX | LOCK_NB) == 0 || errno != EWOULDBLOCK) return {};
    return Error{fmt::format(
        "{} is already in use by another kagami-agent ({}); two agents on one region make every viewer "
        "reconnect each second. Stop that agent first, or give each agent its own region.",
        region.describe(), lock_holder(region.fd()))};
  }

  Result<std::unique_ptr<capture::CaptureBackend>> open_capture() override {
    return capture::open_backend(capture_name_, backend_);
  }

  protocol::GuestInfo guest_info(std::string_view capture_name) const override {
    return agent::collect_guest_info(capture_name);
  }

 private:
  std::string shm_;
  std::string device_;
  std::string capture_name_ = "auto";
  capture::BackendOptions backend_;
  std::string pattern_size_ = "1280x720";
  unsigned pattern_fps_ = 60;
  unsigned poll_ms_ = 16;
};

}  // namespace

std::unique_ptr<AgentPlatform> make_agent_platform() { return std::make_unique<LinuxPlatform>(); }

int agent_entry(int argc, char** argv, const RunAgent& run_agent) {
  return run_agent(std::vector<std::string>(argv + std::min(argc, 1), argv + argc));
}

}  // namespace kagami::apps
