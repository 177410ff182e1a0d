#pragma once
// Reading what the client shows, from outside: a latency marker on the X screen (the agent's
// pattern puts it in the top-left corner, the benchmarks' marked frames in the bottom-left one), a
// whole-screen grab, and another process's CPU time. Shared by the client benchmarks and the
// demo's probe.
#include <sys/types.h>
#include <xcb/xcb.h>

#include <cstddef>
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

  // The marker whose top-left corner is at (x, y) of the screen; nullopt when unreadable or torn.
  std::optional<capture::LatencyMarker> read(std::int16_t x = 0, std::int16_t y = 0);
  // A floor for the benchmarks: what a GL swap on a software rasteriser costs the X server, one
  // MIT-SHM PutImage of a width x height frame (into a pixmap, round trip included), each after
  // `idle_ms` asleep as in a frame pipeline (see memcpy_ms), p50 of `runs`, in ms; 0 when the
  // server has no MIT-SHM. The server does these one at a time, for every window.
  double x_server_copy_ms(std::uint32_t width, std::uint32_t height, int idle_ms, int runs = 20);
  // The whole screen as RGB rows (for a screenshot); empty on failure.
  std::vector<std::uint8_t> grab_rgb(std::uint32_t& width, std::uint32_t& height);

 private:
  xcb_connection_t* c_;
  xcb_window_t root_;
};

// memcpy of one frame of `bytes`, ms (p50 of 10), each copy after `idle_ms` asleep: the speed of
// light for a copy. A pipeline at 60 fps copies after ~16 ms idle, and on this kind of machine (a
// VM whose idle vCPUs halt) such a copy takes ~1.4x one done back to back (idle_ms = 0).
double memcpy_ms(std::size_t bytes, int idle_ms);

// utime + stime of a process, in seconds (from /proc/PID/stat).
double cpu_seconds(pid_t pid);
// The p-quantile (0..1) of the samples, nearest rank; 0 when empty.
double percentile(std::vector<double> samples, double p);

}  // namespace kagami::bench
