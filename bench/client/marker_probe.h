#pragma once
// Reading what the client shows, from outside: the agent's latency marker in the top-left corner
// of the X screen, a whole-screen grab, and another process's CPU time. Shared by the client
// benchmark and the demo's probe.
#include <sys/types.h>
#include <xcb/xcb.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "capture/pattern/latency_marker.h"

namespace kagami::bench {

class MarkerProbe {
 public:
  explicit MarkerProbe(const std::string& display);
  ~MarkerProbe();
  MarkerProbe(const MarkerProbe&) = delete;
  MarkerProbe& operator=(const MarkerProbe&) = delete;

  // The marker at the screen's top-left; nullopt when unreadable or torn.
  std::optional<capture::LatencyMarker> read();
  // The whole screen as RGB rows (for a screenshot); empty on failure.
  std::vector<std::uint8_t> grab_rgb(std::uint32_t& width, std::uint32_t& height);

 private:
  xcb_connection_t* c_;
  xcb_window_t root_;
};

// utime + stime of a process, in seconds (from /proc/PID/stat).
double cpu_seconds(pid_t pid);
// The p-quantile (0..1) of the samples, nearest rank; 0 when empty.
double percentile(std::vector<double> samples, double p);

}  // namespace kagami::bench
