// kagami-protocol-demo: two real processes speaking LGMP v6 + KVMFR v20 through a /dev/shm file.
//   publish: a KvmfrHost posting synthetic BGRA frames at a fixed rate (10 ms heartbeat thread)
//   receive: a KvmfrSession checking every frame pixel by pixel against its serial
// The cross-process test runs both (and restarts each); `make demo` shows it before the client exists.
#include <csignal>
#include <cstdio>
#include <thread>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "common/clock.h"
#include "common/poll_waiter.h"
#include "frame_pattern.h"
#include "protocol/kvmfr_host.h"
#include "protocol/kvmfr_session.h"
#include "shm/region.h"

namespace {

using namespace kagami;
using namespace kagami::protocol;

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

struct Options {
  std::string shm = "/dev/shm/kagami-demo";
  double seconds = 5;
  std::uint32_t fps = 60;
  std::uint32_t width = 1920;
  std::uint32_t height = 1080;
  std::uint64_t size_mib = 32;
};

// The region, created at --size-mib when missing; nullptr after printing why it cannot be mapped.
std::unique_ptr<shm::Region> open(const Options& o) {
  Result<std::unique_ptr<shm::Region>> region = shm::open_file(o.shm, {true, o.size_mib << 20, 0600});
  if (!region) {
    fmt::print(stderr, "{}\n", region.error().message);
    return nullptr;
  }
  return std::move(*region);
}

int publish(const Options& o) {
  const std::unique_ptr<shm::Region> file = open(o);
  if (!file) return 1;
  MonotonicClock clock;
  SystemRandom random;
  KvmfrHost host(clock, random);
  GuestInfo info;
  info.host_version = "kagami-protocol-demo";
  info.os = OsInfo{static_cast<std::uint8_t>(KvmfrOs::linux), "demo"};
  if (Result<void> r = host.setup(file->bytes(), info); !r) {
    fmt::print(stderr, "publish: {}\n", r.error().message);
    return 1;
  }
  std::atomic<bool> running = true;
  std::thread heartbeat([&] {
    while (running) {
      if (host.process() == LgmpStatus::corrupted) fmt::print(stderr, "publish: region corrupted\n");
      (void)host.take_client_messages();
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });

  const std::uint32_t pitch = o.width * 4;
  std::uint32_t serial = 0, posted = 0, skipped = 0;
  const auto period = std::chrono::nanoseconds(1'000'000'000 / o.fps);
  const auto start = std::chrono::steady_clock::now();
  auto next = start;
  while (!g_stop && std::chrono::steady_clock::now() - start < std::chrono::duration<double>(o.seconds)) {
    if (host.new_frame_subscribers() > 0) (void)host.repost_last_frame();
    const std::uint32_t this_serial = serial++;
    if (!host.has_subscribers() || !host.frame_slot_free()) {
      ++skipped;  // a slow or absent reader never blocks the publisher
    } else {
      FrameDescription d;
      d.frame_serial = this_serial;
      d.type = FrameType::bgra;
      d.screen_width = d.frame_width = d.data_width = o.width;
      d.screen_height = d.frame_height = d.data_height = o.height;
      d.pitch = pitch;
      Result<FrameWrite> w = host.post_frame(d);
      if (!w) {
        fmt::print(stderr, "publish: {}\n", w.error().message);
        break;
      }
      test::fill_frame(*w, this_serial);
      ++posted;
    }
    next += period;
    std::this_thread::sleep_until(next);
  }
  running = false;
  heartbeat.join();
  fmt::print("publish: posted={} skipped={} session={:08x}\n", posted, skipped, host.lgmp().session_id());
  return 0;
}

int receive(const Options& o) {
  const std::unique_ptr<shm::Region> file = open(o);
  if (!file) return 1;
  MonotonicClock clock;
  SystemRandom random;
  KvmfrSession session(file->bytes(), clock, random);
  PollWaiter waiter;
  std::uint64_t frames = 0, torn = 0, gaps = 0, stalled = 0, evicted = 0;
  std::optional<std::uint32_t> last_serial;
  std::vector<std::uint64_t> frames_per_session;
  std::uint32_t last_session = 0;
  std::string last_status;
  const std::uint64_t start = monotonic_ns();
  std::uint64_t first_frame_ns = 0, window_start = start, window_frames = 0;
  // Every status the session passes through: receive_frame() or frame_done() may end a session
  // (the agent restarted) and the next poll() join the new one, so looking after poll() alone can
  // miss it.
  const auto report_status = [&] {
    if (session.status().message == last_status) return;
    last_status = session.status().message;
    fmt::print("receive: {}\n", last_status);
    std::fflush(stdout);
  };
  while (!g_stop && monotonic_ns() - start < static_cast<std::uint64_t>(o.seconds * 1e9)) {
    session.poll();
    report_status();
    auto frame = session.receive_frame();
    report_status();
    if (!frame) fmt::print("receive: {}\n", frame.error().message);
    if (!frame || !frame->has_value()) {
      (void)session.receive_cursor();
      report_status();
      waiter.idle();
      continue;
    }
    waiter.activity();
    const ValidatedFrame& f = **frame;
    const bool complete = wait_frame_bytes(file->bytes(), f, f.data_size, clock, 1000);
    const bool intact = complete && test::frame_matches(file->bytes().subspan(f.pixels_offset, f.data_size), f.frame_serial);
    // A reader stalled past the queue timeout (a starved machine) is evicted and its buffer
    // may be reused: that is the protocol working, not a torn frame.
    if (!session.frame_done()) {
      ++evicted;
    } else if (!complete) {
      ++stalled;
    } else if (!intact) {
      ++torn;
    }
    report_status();  // frame_done() may have found the session ended
    if (session.session_id() != last_session) {
      last_session = session.session_id();
      last_serial.reset();
      frames_per_session.push_back(0);
    }
    ++frames_per_session.back();
    if (last_serial && f.frame_serial > *last_serial + 1) gaps += f.frame_serial - *last_serial - 1;
    last_serial = f.frame_serial;
    ++frames;
    ++window_frames;
    if (!first_frame_ns) first_frame_ns = monotonic_ns();
    if (monotonic_ns() - window_start >= 1'000'000'000) {
      fmt::print("receive: {:.1f} fps\n", static_cast<double>(window_frames) * 1e9 / static_cast<double>(monotonic_ns() - window_start));
      std::fflush(stdout);
      window_start = monotonic_ns();
      window_frames = 0;
    }
  }
  fmt::print("receive: frames={} torn={} stalled={} evicted={} gaps={} sessions={} frames_per_session={} "
             "resubscribes={} first_frame_ms={:.1f}\n",
             frames, torn, stalled, evicted, gaps, session.counters().sessions, fmt::join(frames_per_session, "/"),
             session.counters().resubscribes,
             first_frame_ns ? static_cast<double>(first_frame_ns - start) / 1e6 : -1.0);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Two processes speaking LGMP v6 + KVMFR v20 through a shared-memory file."};
  app.require_subcommand(1);
  Options o;
  for (CLI::App* sub : {app.add_subcommand("publish", "Post synthetic BGRA frames at a fixed rate"),
                        app.add_subcommand("receive", "Receive frames and check every pixel")}) {
    sub->add_option("--shm", o.shm, "Shared-memory file (created when missing)")->capture_default_str();
    sub->add_option("--seconds", o.seconds, "How long to run")->capture_default_str();
    sub->add_option("--size-mib", o.size_mib, "Region size when the file is created")->capture_default_str();
  }
  CLI::App* pub = app.get_subcommand("publish");
  pub->add_option("--fps", o.fps, "Frames per second")->capture_default_str()->check(CLI::Range(1, 1000));
  pub->add_option("--width", o.width, "Frame width")->capture_default_str()->check(CLI::Range(1, 16384));
  pub->add_option("--height", o.height, "Frame height")->capture_default_str()->check(CLI::Range(1, 16384));
  CLI11_PARSE(app, argc, argv);
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  return app.got_subcommand("publish") ? publish(o) : receive(o);
}
