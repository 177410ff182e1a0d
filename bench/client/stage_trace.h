#pragma once
// Reads the client's opt-in latency trace (KAGAMI_LATENCY_TRACE, src/client/latency_trace.h) and
// turns it, with what the benchmark itself saw (when each frame was written, when the probe saw it
// on screen), into a per-stage breakdown of the end-to-end latency, and matches the input events
// the benchmark injected with their handling in the client.
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace kagami::bench {

// One line of the trace: a frame that reached the screen.
struct TracedFrame {
  std::uint32_t serial = 0;
  // latency_trace::Stage order: taken, ready, woken, committed, uploaded, drawn, swapped.
  std::uint64_t ns[7] = {};
};

struct HandledMotion {
  int x = 0, y = 0;
  std::uint64_t ns = 0;
};

struct Trace {
  std::vector<TracedFrame> frames;
  std::vector<HandledMotion> motions;
};

Trace read_trace(const std::string& path);

// What the benchmark knows of a frame it published (CLOCK_MONOTONIC ns; 0 = not seen).
struct PublishedFrame {
  std::uint64_t write_start = 0, write_end = 0, seen = 0;
};

// Prints p50/p95 of each stage for the frames traced, published and seen (keyed by serial).
void print_stage_breakdown(const Trace& trace, const std::map<std::uint32_t, PublishedFrame>& published);

// Frames the client drew (first draw, swap returned) between two instants.
std::size_t frames_swapped(const Trace& trace, std::uint64_t from_ns, std::uint64_t to_ns);

}  // namespace kagami::bench

namespace kagami::bench {

// Event latency: for each motion the client handled, handled - sent (ms); `unmatched` counts the
// motions sent that the client never reported (SDL may coalesce none, so these should be 0).
std::vector<double> event_latencies_ms(const Trace& trace,
                                       const std::map<std::pair<int, int>, std::uint64_t>& sent,
                                       std::size_t& unmatched);

}  // namespace kagami::bench
