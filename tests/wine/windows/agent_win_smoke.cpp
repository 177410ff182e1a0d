// kagami-agent-win-smoke.exe: a small Windows publisher for the Wine tests, standing in for the
// shared agent loop (which the real kagami-agent.exe will use): capture backend -> KvmfrHost ->
// the region, plus the service commands of the real agent (install / uninstall / service / run).
//
//   kagami-agent-win-smoke.exe [run] --shm PATH|ivshmem[:N|:SIZE] [--capture auto|dxgi|gdi] [--seconds N]
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "agent/windows/guest_info.h"
#include "agent/windows/input_desktop.h"
#include "agent/windows/windows_capture.h"
#include "agent/windows/windows_main.h"
#include "common/clock.h"
#include "protocol/kvmfr_host.h"
#include "shm/windows/ivshmem_region.h"

namespace {

using namespace kagami;

std::atomic<bool> g_stop{false};
extern "C" void on_stop_signal(int) { g_stop = true; }

constexpr const char* kUsage =
    "usage: kagami-agent-win-smoke.exe [install|uninstall|service|run] [options]\n"
    "  --shm PATH|ivshmem[:N|:SIZE]  region: a file (Z:\\dev\\shm\\NAME under Wine) or an IVSHMEM device "
    "(required)\n"
    "  --capture auto|dxgi|gdi       capture backend (default auto: dxgi, else gdi)\n"
    "  --output INDEX|NAME           dxgi: output index, \\\\.\\DISPLAYn or adapter name part (default: "
    "primary)\n"
    "  --gpu NAME                    dxgi: part of the passed-through GPU's name, to warn when capturing "
    "another\n"
    "  --seconds N                   stop after N seconds (default 0: run until killed)\n"
    "exit codes: 0 ok, 1 error, 2 usage, 3 shared memory unavailable (no IVSHMEM device)\n";

struct Options {
  std::string shm;
  std::string capture = "auto";
  capture::DxgiOptions dxgi;
  int seconds = 0;
};

bool parse(const std::vector<std::string>& args, Options* options) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const bool has_value = i + 1 < args.size();
    if (args[i] == "--shm" && has_value) {
      options->shm = args[++i];
    } else if (args[i] == "--capture" && has_value) {
      options->capture = args[++i];
    } else if (args[i] == "--output" && has_value) {
      options->dxgi.output = args[++i];
    } else if (args[i] == "--gpu" && has_value) {
      options->dxgi.expected_gpu = args[++i];
    } else if (args[i] == "--seconds" && has_value) {
      options->seconds = std::stoi(args[++i]);
    } else {
      return false;
    }
  }
  return !options->shm.empty();
}

std::vector<protocol::FrameDamageRect> damage_of(const capture::CaptureEvent& event) {
  std::vector<protocol::FrameDamageRect> out;
  if (event.full_damage || event.damage.size() > protocol::kMaxDamageRects) return out;  // empty = everything
  for (const auto& r : event.damage) out.push_back({r.x, r.y, r.width, r.height});
  return out;
}

int run_agent(const std::vector<std::string>& args) {
  Options options;
  if (!parse(args, &options)) {
    std::fputs(kUsage, stderr);
    return agent::kExitUsage;
  }
  auto region = shm::open_region(options.shm);
  if (!region) {
    spdlog::error("{}", region.error().message);
    return agent::kExitNoSharedMemory;
  }
  spdlog::info("region: {}", (*region)->describe());
  auto backend = agent::make_windows_capture(options.capture, options.dxgi);
  if (!backend) {
    spdlog::error("{}", backend.error().message);
    return agent::kExitError;
  }
  auto& capture = **backend;

  MonotonicClock clock;
  SystemRandom random;
  protocol::KvmfrHost host(clock, random);
  if (auto ok = host.setup((*region)->bytes(), agent::windows_guest_info("kagami-win-smoke", capture.name()));
      !ok) {
    spdlog::error("{}", ok.error().message);
    return agent::kExitError;
  }

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(options.seconds);
  capture::FrameFormat format;
  std::uint32_t format_ver = 0, serial = 0;
  std::uint64_t frames = 0;
  // Timing for the log (never a pass/fail criterion): the copy into the slot, against a memcpy
  // of the same bytes in the same run.
  std::vector<double> copy_ms, memcpy_ms;
  std::vector<std::byte> scratch;
  std::signal(SIGTERM, on_stop_signal);
  std::signal(SIGINT, on_stop_signal);
  while (!g_stop && (options.seconds == 0 || std::chrono::steady_clock::now() < deadline)) {
    capture::CaptureEvent event;
    const auto status = capture.capture(std::chrono::milliseconds(10), &event);
    if (status == capture::CaptureStatus::reinit) {
      const std::string desktop = agent::follow_input_desktop();
      spdlog::info("capture: {}; restarting it on the '{}' desktop", capture.last_error(), desktop);
      if (auto ok = capture.start(); !ok) {
        spdlog::warn("{}", ok.error().message);
        std::this_thread::sleep_for(std::chrono::milliseconds(100));  // e.g. the secure desktop: retry
      }
      continue;
    }
    if (status == capture::CaptureStatus::error) {
      spdlog::error("capture: {}", capture.last_error());
      return agent::kExitError;
    }
    if (event.cursor) host.post_cursor(*event.cursor);
    if (event.frame) {
      if (!(event.format == format)) {
        format = event.format;
        ++format_ver;
      }
      while (!host.frame_slot_free()) {  // a slow reader: keep the heartbeat going meanwhile
        host.process();
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      const auto damage = damage_of(event);
      protocol::FrameDescription d;
      d.format_ver = format_ver;
      d.frame_serial = ++serial;
      d.type = format.type;
      d.screen_width = d.data_width = d.frame_width = format.width;
      d.screen_height = d.data_height = d.frame_height = format.height;
      d.rotation = format.rotation;
      d.pitch = format.pitch;
      d.stride = format.pitch / 4;
      d.flags = (format.hdr ? protocol::kFrameFlagHdr : 0) | (format.hdr_pq ? protocol::kFrameFlagHdrPq : 0);
      d.damage = damage;
      auto write = host.post_frame(d);
      if (!write) {
        spdlog::error("{}", write.error().message);
        return agent::kExitError;
      }
      // The slot holds a frame two posts old: copy the whole screen, announce only the damage.
      capture::FrameTarget target;
      target.pixels = write->pixels();
      target.pitch = format.pitch;
      target.progress = [&](std::uint64_t bytes) { write->advance(bytes); };
      const auto copy_start = std::chrono::steady_clock::now();
      const auto copied = capture.read_pixels(target, {});
      const auto copy_end = std::chrono::steady_clock::now();
      if (copied != capture::CaptureStatus::ok) {
        spdlog::error("capture: {}", capture.last_error());
        return agent::kExitError;
      }
      write->finish();
      ++frames;
      scratch.resize(write->pixels().size());
      const auto memcpy_start = std::chrono::steady_clock::now();
      std::memcpy(scratch.data(), write->pixels().data(), scratch.size());
      const auto memcpy_end = std::chrono::steady_clock::now();
      copy_ms.push_back(std::chrono::duration<double, std::milli>(copy_end - copy_start).count());
      memcpy_ms.push_back(std::chrono::duration<double, std::milli>(memcpy_end - memcpy_start).count());
    }
    if (host.new_frame_subscribers() > 0) (void)host.repost_last_frame();
    if (host.new_pointer_subscribers() > 0) host.repost_cursor();
    host.process();
    for (const auto& message : host.take_client_messages()) capture.set_cursor_position(message.x, message.y);
  }
  const auto median = [](std::vector<double> v) {
    if (v.empty()) return 0.0;
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
    return v[v.size() / 2];
  };
  spdlog::info(
      "published {} frames {}x{}; median copy into the slot {:.3f} ms, memcpy of the same bytes {:.3f} ms",
      frames, format.width, format.height, median(copy_ms), median(memcpy_ms));
  return agent::kExitOk;
}

}  // namespace

int main() { return kagami::agent::windows_main(kagami::agent::utf8_arguments(), run_agent); }
