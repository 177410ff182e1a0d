#include "client/latency_trace.h"

#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>

#include "common/clock.h"

namespace kagami::client::latency_trace {
namespace {

struct Record {
  std::uint32_t serial = 0;
  std::array<std::uint64_t, static_cast<int>(Stage::count)> ns{};
};

// Frames in flight are a handful; 64 records keyed by serial leave room for a burst.
constexpr std::size_t kRecords = 64;

struct Writer {
  std::mutex mutex;
  std::FILE* file = nullptr;
  std::array<Record, kRecords> records{};
};

Writer* open_trace() {
  const char* path = std::getenv("KAGAMI_LATENCY_TRACE");
  if (!path || !*path) return nullptr;
  std::FILE* file = std::fopen(path, "a");
  if (!file) return nullptr;
  auto* trace = new Writer;  // lives as long as the process: stamps may come from any thread at exit
  trace->file = file;
  return trace;
}

Writer* trace() {
  static Writer* const t = open_trace();
  return t;
}

std::atomic<int> state{-1};  // -1 not looked at yet, 0 off, 1 on

}  // namespace

bool enabled() {
  int s = state.load(std::memory_order_relaxed);
  if (s < 0) {
    s = trace() ? 1 : 0;
    state.store(s, std::memory_order_relaxed);
  }
  return s == 1;
}

void mark(Stage stage, std::uint32_t serial) {
  if (!enabled()) return;
  const std::uint64_t now = monotonic_ns();
  Writer& t = *trace();
  std::lock_guard lock(t.mutex);
  Record& r = t.records[serial % kRecords];
  // A frame starts its record when taken (a new agent session numbers its frames from 0 again).
  if (r.serial != serial || stage == Stage::taken) r = Record{serial, {}};
  r.ns[static_cast<int>(stage)] = now;
  if (stage != Stage::swapped) return;
  std::fprintf(t.file, "frame %u", serial);
  for (const std::uint64_t ns : r.ns) std::fprintf(t.file, " %llu", static_cast<unsigned long long>(ns));
  std::fputc('\n', t.file);
  std::fflush(t.file);
}

void woken() {
  if (!enabled()) return;
  const std::uint64_t now = monotonic_ns();
  Writer& t = *trace();
  std::lock_guard lock(t.mutex);
  // The first wake-up after a frame was taken is that frame's (whichever path then commits it).
  for (Record& r : t.records) {
    auto& ns = r.ns;
    if (ns[static_cast<int>(Stage::taken)] && !ns[static_cast<int>(Stage::woken)] &&
        !ns[static_cast<int>(Stage::swapped)])
      ns[static_cast<int>(Stage::woken)] = now;
  }
}

void motion(int x, int y) {
  if (!enabled()) return;
  const std::uint64_t now = monotonic_ns();
  Writer& t = *trace();
  std::lock_guard lock(t.mutex);
  std::fprintf(t.file, "motion %d %d %llu\n", x, y, static_cast<unsigned long long>(now));
  std::fflush(t.file);
}

Trace read(const std::string& path) {
  Trace t;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string kind;
    fields >> kind;
    if (kind == "frame") {
      TracedFrame f;
      fields >> f.serial;
      for (auto& ns : f.ns) fields >> ns;
      if (fields) t.frames.push_back(f);
    } else if (kind == "motion") {
      HandledMotion m;
      fields >> m.x >> m.y >> m.ns;
      if (fields) t.motions.push_back(m);
    }
  }
  return t;
}

}  // namespace kagami::client::latency_trace
