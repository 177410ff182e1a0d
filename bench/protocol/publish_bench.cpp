// Publishing a frame (post + copy into the frame slot in 1 MiB chunks, advancing the write
// pointer, in a /dev/shm mapping) against a plain memcpy of the same bytes into the same
// mapping, measured in the same run. Target: publishing >= 0.9x memcpy bandwidth.
#include <benchmark/benchmark.h>

#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <unistd.h>

#include "common/clock.h"
#include "shm/region.h"
#include "protocol/kvmfr_host.h"
#include "protocol/kvmfr_session.h"

namespace {

using namespace kagami;
using namespace kagami::protocol;

constexpr std::size_t kRegion = 128 << 20;

struct Fixture {
  std::string path = fmt::format("/dev/shm/kagami-bench-{}", ::getpid());
  std::unique_ptr<shm::Region> file = *shm::open_file(path, {true, kRegion, 0600});
  MonotonicClock clock;
  SystemRandom random;
  KvmfrHost host{clock, random};
  std::unique_ptr<KvmfrSession> session;

  Fixture() {
    if (!host.setup(file->bytes(), GuestInfo{}).ok()) std::abort();
    session = std::make_unique<KvmfrSession>(file->bytes(), clock, random);
    for (int i = 0; i < 100 && !session->connected(); ++i) {
      (void)host.process();
      session->poll();
      usleep(1000);
    }
    if (!session->connected()) std::abort();
  }
  ~Fixture() { ::unlink(path.c_str()); }
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

std::vector<std::byte>& source(std::size_t bytes) {
  static std::map<std::size_t, std::vector<std::byte>> frames;
  auto& v = frames[bytes];
  if (v.empty()) v.assign(bytes, std::byte{0x5a});
  return v;
}

void BM_Memcpy(benchmark::State& state) {
  const auto width = static_cast<std::uint32_t>(state.range(0)), height = static_cast<std::uint32_t>(state.range(1));
  const std::size_t bytes = std::size_t{width} * height * 4;
  auto& src = source(bytes);
  // The same two destinations publishing alternates between, so both touch the same memory.
  std::byte* const region = fixture().file->bytes().data();
  std::byte* const dst[2] = {region + fixture().host.frame_pixels_offset(0), region + fixture().host.frame_pixels_offset(1)};
  std::uint32_t i = 0;
  for (auto _ : state) {
    std::memcpy(dst[i++ % 2], src.data(), bytes);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
}

void BM_PublishFrame(benchmark::State& state) {
  const auto width = static_cast<std::uint32_t>(state.range(0)), height = static_cast<std::uint32_t>(state.range(1));
  const std::size_t bytes = std::size_t{width} * height * 4;
  auto& src = source(bytes);
  Fixture& f = fixture();
  std::uint32_t serial = 0;
  for (auto _ : state) {
    FrameDescription d;
    d.frame_serial = serial++;
    d.screen_width = d.frame_width = d.data_width = width;
    d.screen_height = d.frame_height = d.data_height = height;
    d.pitch = width * 4;
    Result<FrameWrite> w = f.host.post_frame(d);
    if (!w) {
      state.SkipWithError(w.error().message.c_str());
      break;
    }
    std::byte* dst = w->pixels().data();
    for (std::size_t done = 0; done < bytes;) {
      const std::size_t chunk = std::min<std::size_t>(kFrameBufferChunk, bytes - done);
      std::memcpy(dst + done, src.data() + done, chunk);
      done += chunk;
      w->advance(done);
    }
    w->finish();
    benchmark::ClobberMemory();
    state.PauseTiming();  // the viewer's side, not part of publishing
    if (auto frame = f.session->receive_frame(); frame.ok() && frame->has_value()) f.session->frame_done();
    state.ResumeTiming();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
}

BENCHMARK(BM_Memcpy)->Args({1920, 1080})->Args({3840, 2160})->Unit(benchmark::kMillisecond)->MinTime(1.0);
BENCHMARK(BM_PublishFrame)->Args({1920, 1080})->Args({3840, 2160})->Unit(benchmark::kMillisecond)->MinTime(1.0);

// Prints each benchmark as usual, then publishing as a ratio of memcpy at each size.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      const std::string name = run.benchmark_name();
      const std::string size = name.substr(name.find('/'));
      (name.rfind("BM_Memcpy", 0) == 0 ? memcpy_ : publish_)[size] = run.GetAdjustedRealTime();
    }
  }
  void Finalize() override {
    ConsoleReporter::Finalize();
    for (const auto& [size, publish] : publish_) {
      const double limit = memcpy_[size];
      fmt::print("publish{}: {:.3f} ms, memcpy of the same bytes {:.3f} ms -> {:.2f}x memcpy bandwidth (target >= 0.90)\n",
                 size, publish, limit, limit / publish);
    }
  }

 private:
  std::map<std::string, double> memcpy_, publish_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
}
