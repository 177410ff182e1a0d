// kagami-agent on Linux: --shm/--device regions, the wlr, x11, drm, fb and pattern backends.
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>

#include "agent/guest_info.h"
#include "apps/agent_platform.h"
#include "capture/backends.h"

namespace kagami::apps {
namespace {

bool parse_size(const std::string& text, capture::PatternSize* size) {
  unsigned w = 0, h = 0;
  char x = 0;
  if (std::sscanf(text.c_str(), "%u%c%u", &w, &x, &h) != 3 || (x != 'x' && x != 'X')) return false;
  size->width = w;
  size->height = h;
  return w >= capture::kPatternMinWidth && h >= capture::kPatternMinHeight && w <= 16384 && h <= 16384;
}

class LinuxPlatform final : public AgentPlatform {
 public:
  void add_options(CLI::App& app) override {
    auto* shm_opt =
        app.add_option("--shm", shm_,
                       "Shared-memory file to publish into, e.g. /dev/shm/looking-glass (testing, or a "
                       "host-side run); /dev/kvmfrN for the kvmfr device");
    app.add_option("--device", device_,
                   "ivshmem PCI device inside a VM: 'ivshmem' (the first 1af4:1110 device) or 'ivshmem:BDF' "
                   "(e.g. ivshmem:0000:00:05.0)")
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
    app.add_option("--wayland-display", backend_.wayland_display,
                   "wlr: the Wayland socket to capture (default: $WAYLAND_DISPLAY)");
    app.add_option("--wlr-output", backend_.output,
                   "wlr: the output to capture by name (default: the first)");
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
    if (shm_.empty() && device_.empty())
      return Error{"no shared memory given: pass --device ivshmem inside a VM, or --shm PATH (see --help)"};
    if (!parse_size(pattern_size_, &backend_.pattern.size)) {
      return Error{fmt::format("--pattern-size {}: expected WxH, at least {}x{}", pattern_size_,
                               capture::kPatternMinWidth, capture::kPatternMinHeight)};
    }
    backend_.pattern.frame_interval = std::chrono::microseconds(1'000'000 / pattern_fps_);
    backend_.poll_interval = std::chrono::milliseconds(std::max(1u, poll_ms_));
    return {};
  }

  Result<std::unique_ptr<shm::Region>> open_region() override {
    return shm::open_region(shm_.empty() ? device_ : shm_);
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
