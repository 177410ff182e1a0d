// kagami-agent: runs in the guest, captures the screen and publishes it into the ivshmem region
// for kagami-client or a Looking Glass B7 client. Options and wiring only; the loop is agent/.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "agent/agent.h"
#include "agent/guest_info.h"
#include "capture/backends.h"
#include "shm/region.h"

namespace {

std::atomic<bool> g_stop{false};

void on_signal(int) { g_stop.store(true); }

bool parse_size(const std::string& text, kagami::capture::PatternSize* size) {
  unsigned w = 0, h = 0;
  char x = 0;
  if (std::sscanf(text.c_str(), "%u%c%u", &w, &x, &h) != 3 || (x != 'x' && x != 'X')) return false;
  size->width = w;
  size->height = h;
  return w >= kagami::capture::kPatternMinWidth && h >= kagami::capture::kPatternMinHeight && w <= 16384 &&
         h <= 16384;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace kagami;
  CLI::App app{
      "kagami-agent: captures this machine's screen and publishes it into shared memory (Looking Glass B7 "
      "format: LGMP v6 + KVMFR v20) for kagami-client on the host.",
      "kagami-agent"};
  app.set_version_flag("--version", "kagami-agent " KAGAMI_VERSION);
  std::string shm;
  std::string device;
  std::string capture_name = "auto";
  unsigned fps_max = 0;
  std::string log_level = "info";
  capture::BackendOptions backend;
  std::string pattern_size = "1280x720";
  unsigned pattern_fps = 60;
  unsigned poll_ms = 16;

  auto* shm_opt =
      app.add_option("--shm", shm,
                     "Shared-memory file to publish into, e.g. /dev/shm/looking-glass (testing, or a "
                     "host-side run); /dev/kvmfrN for the kvmfr device");
  app.add_option("--device", device,
                 "ivshmem PCI device inside a VM: 'ivshmem' (the first 1af4:1110 device) or 'ivshmem:BDF' "
                 "(e.g. ivshmem:0000:00:05.0)")
      ->excludes(shm_opt);
  std::string names;
  for (const auto& n : capture::backend_names()) names += n + ", ";
  app.add_option("--capture", capture_name,
                 "Capture backend: " + names + "or auto (the first of x11, drm, fb that starts; logged)")
      ->capture_default_str();
  app.add_option("--fps-max", fps_max,
                 "Publish at most N frames per second; 0 = as fast as the screen changes")
      ->capture_default_str();
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off")
      ->capture_default_str()
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));
  app.add_option("--display", backend.display, "x11: the X display to capture (default: $DISPLAY)");
  app.add_option("--fb-device", backend.fb_path, "fb: the framebuffer device")->capture_default_str();
  app.add_option("--drm-device", backend.drm_path, "drm: the DRM card")->capture_default_str();
  app.add_option("--poll-ms", poll_ms,
                 "fb/drm: how often the screen is read; x11: how often the pointer position is read (ms)")
      ->capture_default_str();
  app.add_option("--pattern-size", pattern_size, "pattern: screen size WxH")->capture_default_str();
  app.add_option("--pattern-seed", backend.pattern.seed, "pattern: seed of the scene")->capture_default_str();
  app.add_option("--pattern-fps", pattern_fps, "pattern: frames per second the scene makes")
      ->capture_default_str()
      ->check(CLI::Range(1u, 1000u));
  CLI11_PARSE(app, argc, argv);

  spdlog::set_level(spdlog::level::from_str(log_level));
  if (shm.empty() && device.empty()) {
    spdlog::error("no shared memory given: pass --device ivshmem inside a VM, or --shm PATH (see --help)");
    return 2;
  }
  if (!parse_size(pattern_size, &backend.pattern.size)) {
    spdlog::error("--pattern-size {}: expected WxH, at least {}x{}", pattern_size, capture::kPatternMinWidth,
                  capture::kPatternMinHeight);
    return 2;
  }
  backend.pattern.frame_interval = std::chrono::microseconds(1'000'000 / pattern_fps);
  backend.poll_interval = std::chrono::milliseconds(std::max(1u, poll_ms));

  auto region = shm::open_region(shm.empty() ? device : shm);
  if (!region) {
    spdlog::error("{}", region.error().message);
    return 1;
  }
  auto source = capture::open_backend(capture_name, backend);
  if (!source) {
    spdlog::error("{}", source.error().message);
    return 1;
  }

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);

  agent::AgentConfig config;
  config.fps_max = fps_max;
  agent::Agent loop(agent::AgentRegion{(*region)->bytes(), (*region)->fd()}, **source,
                    agent::collect_guest_info((*source)->name()), config);
  spdlog::info("shared memory: {}", (*region)->describe());
  for (const auto& note : (*region)->notes()) spdlog::warn("{}", note);
  if (auto r = loop.run(g_stop); !r) {
    spdlog::error("{}", r.error().message);
    return 1;
  }
  return 0;
}
