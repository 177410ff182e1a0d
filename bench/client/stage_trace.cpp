#include "stage_trace.h"

#include <algorithm>
#include <cstdio>

#include "marker_probe.h"

namespace kagami::bench {

void print_stage_breakdown(const Trace& trace, const std::map<std::uint32_t, PublishedFrame>& published) {
  // Each instant of a frame's way to the screen, measured from the moment the agent started
  // writing it. The order of the client's stages depends on the backend (GLES direct: the render
  // thread copies before the frame thread's upload() returns; Vulkan: the frame thread's GPU copy
  // is done before the render thread is woken), so rows are sorted by their median.
  struct Row {
    const char* what;
    std::vector<double> ms;
  };
  std::vector<Row> rows = {
      {"agent wrote the last byte", {}},
      {"frame thread took the frame message", {}},
      {"write pointer covered the frame", {}},
      {"draw thread woken (first wake-up after taken)", {}},
      {"frame in the texture/image that is drawn (commit)", {}},
      {"frame thread's upload() returned", {}},
      {"draw submitted", {}},
      {"swap/present returned", {}},
      {"seen on the X screen by the probe", {}},
  };
  std::size_t used = 0;
  for (const TracedFrame& f : trace.frames) {
    const auto it = published.find(f.serial);
    if (it == published.end() || !it->second.seen || !it->second.write_start) continue;
    const PublishedFrame& p = it->second;
    const std::uint64_t at[] = {p.write_end, f.ns[0], f.ns[1], f.ns[2], f.ns[3],
                                f.ns[4],     f.ns[5], f.ns[6], p.seen};
    ++used;
    for (std::size_t i = 0; i < rows.size(); ++i)  // 0: not seen for this frame (e.g. coalesced)
      if (at[i])
        rows[i].ms.push_back((static_cast<double>(at[i]) - static_cast<double>(p.write_start)) / 1e6);
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const Row& a, const Row& b) { return percentile(a.ms, 0.5) < percentile(b.ms, 0.5); });
  std::printf("  stage breakdown @60 fps, ms after the agent started writing (%zu frames traced and seen):\n",
              used);
  std::printf("    %-56s %7s %7s %9s\n", "", "p50", "p95", "step p50");
  double before = 0;
  for (const Row& r : rows) {
    if (r.ms.empty()) continue;
    const double p50 = percentile(r.ms, 0.5);
    std::printf("    %-56s %7.2f %7.2f %9.2f\n", r.what, p50, percentile(r.ms, 0.95), p50 - before);
    before = p50;
  }
}

std::size_t frames_swapped(const Trace& trace, std::uint64_t from_ns, std::uint64_t to_ns) {
  std::size_t n = 0;
  for (const TracedFrame& f : trace.frames) n += f.ns[6] >= from_ns && f.ns[6] < to_ns;
  return n;
}

}  // namespace kagami::bench

namespace kagami::bench {

std::vector<double> event_latencies_ms(const Trace& trace,
                                       const std::map<std::pair<int, int>, std::uint64_t>& sent,
                                       std::size_t& unmatched) {
  std::vector<double> out;
  std::map<std::pair<int, int>, std::uint64_t> handled;
  for (const HandledMotion& m : trace.motions) handled.emplace(std::pair{m.x, m.y}, m.ns);
  unmatched = 0;
  for (const auto& [at, sent_ns] : sent) {
    const auto it = handled.find(at);
    if (it == handled.end() || it->second < sent_ns) {
      ++unmatched;
      continue;
    }
    out.push_back(static_cast<double>(it->second - sent_ns) / 1e6);
  }
  return out;
}

}  // namespace kagami::bench
