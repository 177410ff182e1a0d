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

#include "client/latency_trace.h"

namespace kagami::bench {

// The client's trace file, read by src/client/latency_trace.h.
using client::latency_trace::HandledMotion;
using client::latency_trace::Trace;
using client::latency_trace::TracedFrame;

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
