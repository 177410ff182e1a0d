// kagami-demo-probe: watches what kagami-client shows on an X display while `make demo` runs.
// It reads the agent's latency marker (frame number + CLOCK_MONOTONIC time the agent drew it)
// from the top-left of the screen every 0.5 ms, and reports the frame rate the window really
// shows, the latency from the agent drawing a frame to the frame being visible, the client's
// CPU, and saves a screenshot.
#include <thread>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "client/screenshot.h"
#include "common/clock.h"
#include "marker_probe.h"

int main(int argc, char** argv) {
  CLI::App app{"Measures what kagami-client shows on an X display (used by `make demo`)."};
  std::string display;
  double seconds = 6;
  std::string screenshot;
  int client_pid = 0;
  app.add_option("--display", display, "X display the client window is on")->required();
  app.add_option("--seconds", seconds, "How long to watch")->capture_default_str();
  app.add_option("--screenshot", screenshot, "PNG file to save the screen to at the end");
  app.add_option("--client-pid", client_pid, "kagami-client's process, for its CPU use");
  CLI11_PARSE(app, argc, argv);

  using namespace kagami;
  bench::MarkerProbe probe(display);
  std::vector<double> latencies_ms, probe_ms;
  std::uint64_t last_frame = 0, first_frame = 0, frames = 0;
  const double cpu0 = client_pid ? bench::cpu_seconds(client_pid) : 0;
  const std::uint64_t start = monotonic_ns();
  std::uint64_t first_seen = 0, last_seen = 0;
  while (static_cast<double>(monotonic_ns() - start) < seconds * 1e9) {
    const std::uint64_t t0 = monotonic_ns();
    const auto marker = probe.read();
    const std::uint64_t t1 = monotonic_ns();
    probe_ms.push_back(static_cast<double>(t1 - t0) / 1e6);
    if (marker && marker->frame != last_frame) {
      if (!first_frame) first_frame = marker->frame, first_seen = t1;
      last_frame = marker->frame;
      last_seen = t1;
      ++frames;
      if (marker->timestamp_ns < t1) latencies_ms.push_back(static_cast<double>(t1 - marker->timestamp_ns) / 1e6);
    }
    std::this_thread::sleep_until(std::chrono::steady_clock::time_point(std::chrono::nanoseconds(t0 + 500'000)));
  }
  const double watched = static_cast<double>(monotonic_ns() - start) / 1e9;
  if (frames < 2) {
    fmt::print("the client window showed no frames from the agent in {:.1f} s\n", watched);
    return 1;
  }
  const double span = static_cast<double>(last_seen - first_seen) / 1e9;
  const std::uint64_t made = last_frame - first_frame;
  fmt::print("  frames shown:  {} in {:.1f} s = {:.1f} fps ({} of the {} frames the agent made in that time)\n",
             frames - 1, span, static_cast<double>(frames - 1) / span, frames - 1, made);
  fmt::print("  latency, agent draws a frame -> visible in the client window: p50 {:.1f} ms, p95 {:.1f} ms, "
             "max {:.1f} ms ({} samples; one probe read takes {:.2f} ms)\n",
             bench::percentile(latencies_ms, 0.5), bench::percentile(latencies_ms, 0.95),
             bench::percentile(latencies_ms, 1.0), latencies_ms.size(), bench::percentile(probe_ms, 0.5));
  if (client_pid)
    fmt::print("  kagami-client CPU: {:.1f}% of one core\n", (bench::cpu_seconds(client_pid) - cpu0) / watched * 100);
  if (!screenshot.empty()) {
    std::uint32_t width = 0, height = 0;
    const auto rgb = probe.grab_rgb(width, height);
    if (Result<void> r = client::write_png(screenshot, width, height, rgb); !r) {
      fmt::print("  screenshot failed: {}\n", r.error().message);
      return 1;
    }
    fmt::print("  screenshot:    {}\n", screenshot);
  }
  return 0;
}
