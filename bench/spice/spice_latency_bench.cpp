// spice_latency_bench: how long input and audio take through kagami::spice::Session, measured
// against the real libspice-server peer on loopback and a private PulseAudio null sink.
//   key   : Session::key_down() called → the server's keyboard interface receives the byte
//   mouse : Session::mouse_position() called → the server's tablet interface receives it
//   audio : the server hands a tone burst to libspice-server → the burst leaves the sound server
// Floors measured in the same run: a loopback TCP one-way hop between two threads (what any
// network input path costs at least), and the same tone played straight into the sink with the
// same 20 ms buffer target (what the sound server alone costs). Results are printed, never gated.
#include <SDL2/SDL_scancode.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pulse/simple.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>

#include "common/clock.h"
#include "private_pulse.h"
#include "sink_recorder.h"
#include "spice/session.h"
#include "spice_peer.h"
#include "tone.h"

using namespace kagami;
using namespace kagami::spice;
using namespace kagami::spice::fixture;

namespace {

struct Percentiles {
  double p50 = 0, p95 = 0, max = 0;
  size_t n = 0;
};

Percentiles percentiles(std::vector<double> v) {
  Percentiles p;
  if (v.empty()) return p;
  std::sort(v.begin(), v.end());
  p.n = v.size();
  p.p50 = v[v.size() / 2];
  p.p95 = v[std::min(v.size() - 1, v.size() * 95 / 100)];
  p.max = v.back();
  return p;
}

void print(const char* what, const Percentiles& p, const char* unit, const char* floor_name,
           const Percentiles& floor) {
  std::printf("%-34s p50 %8.3f %s  p95 %8.3f %s  (n=%zu)   | %s: p50 %.3f p95 %.3f %s\n", what, p.p50, unit,
              p.p95, unit, p.n, floor_name, floor.p50, floor.p95, unit);
}

bool wait(const std::function<bool()>& pred, int timeout_ms) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  return false;
}

// One-way latency of a 4-byte message over loopback TCP between two threads (TCP_NODELAY).
Percentiles tcp_floor(int samples) {
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  listen(listener, 1);
  getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  int client = socket(AF_INET, SOCK_STREAM, 0);
  connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  int server = accept(listener, nullptr, nullptr);
  int one = 1;
  setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  std::vector<double> us;
  std::thread reader([&] {
    for (int i = 0; i < samples; ++i) {
      uint64_t sent = 0;
      if (recv(server, &sent, sizeof(sent), MSG_WAITALL) != sizeof(sent)) return;
      us.push_back(static_cast<double>(monotonic_ns() - sent) / 1e3);
    }
  });
  for (int i = 0; i < samples; ++i) {
    uint64_t now = monotonic_ns();
    if (send(client, &now, sizeof(now), 0) != sizeof(now)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  reader.join();
  if (us.size() > 20) us.erase(us.begin(), us.begin() + 20);  // warm-up
  close(client);
  close(server);
  close(listener);
  return percentiles(us);
}

constexpr uint32_t kRate = 48000;
constexpr uint64_t kBurstPeriod = kRate / 4;  // 250 ms
constexpr uint64_t kBurstLength = kRate / 20;

void bursts(int16_t* stereo, uint32_t frames, uint64_t first) {
  sine(stereo, frames, first, 1000, kRate, 0.5);
  for (uint32_t i = 0; i < frames; ++i) {
    if ((first + i) % kBurstPeriod >= kBurstLength) stereo[2 * i] = stereo[2 * i + 1] = 0;
  }
}

// The sound server alone: bursts written straight into the sink with a 20 ms target.
Percentiles direct_audio_floor(const PrivatePulse& pulse, double seconds) {
  SinkRecorder recorder(pulse.server(), PrivatePulse::kOutMonitor);
  const pa_sample_spec spec{PA_SAMPLE_S16LE, kRate, 2};
  pa_buffer_attr attr{};
  attr.maxlength = static_cast<uint32_t>(-1);
  attr.tlength = kRate * 4 / 50;  // 20 ms
  attr.prebuf = static_cast<uint32_t>(-1);
  attr.minreq = static_cast<uint32_t>(-1);
  int error = 0;
  pa_simple* stream = pa_simple_new(pulse.server().c_str(), "kagami-bench-direct", PA_STREAM_PLAYBACK,
                                    PrivatePulse::kOutSink, "direct", &spec, nullptr, &attr, &error);
  if (!stream) return {};
  std::vector<PutRecord> puts;
  std::vector<int16_t> block(2 * kRate / 100);
  const uint64_t start = monotonic_ns();
  for (uint64_t frame = 0; frame < static_cast<uint64_t>(seconds * kRate); frame += kRate / 100) {
    // Real-time pacing like the SPICE peer: a 10 ms block when it is due.
    const uint64_t due_ns = start + frame * 1'000'000'000 / kRate;
    while (monotonic_ns() < due_ns) std::this_thread::sleep_for(std::chrono::microseconds(200));
    bursts(block.data(), kRate / 100, frame);
    puts.push_back({frame, kRate / 100, monotonic_ns()});
    pa_simple_write(stream, block.data(), block.size() * 2, &error);
  }
  pa_simple_drain(stream, &error);
  pa_simple_free(stream);
  return percentiles(burst_latencies_ms(recorder.stop(), puts, kBurstPeriod));
}

}  // namespace

int main() {
  spdlog::set_level(spdlog::level::warn);
  const Percentiles tcp = tcp_floor(300);
  PrivatePulse pulse;
  SpicePeer peer;
  SessionOptions options;
  options.uri = peer.uri();
  options.audio.pulse_server = pulse.server();
  options.audio.sink = PrivatePulse::kOutSink;
  auto started = Session::start(options);
  if (!started) {
    std::fprintf(stderr, "%s\n", started.error().message.c_str());
    return 1;
  }
  Session& session = *started.value();
  if (!wait([&] { return session.status().inputs_ready && session.status().mouse_mode == MouseMode::Client; },
            10000)) {
    std::fprintf(stderr, "session did not become ready\n");
    return 1;
  }

  // Keys: one press+release at a time, timed from the call to the server's first byte.
  std::vector<double> key_us;
  for (int i = 0; i < 300; ++i) {
    peer.clear_inputs();
    const uint64_t t0 = monotonic_ns();
    session.key_down(SDL_SCANCODE_A);
    if (!peer.wait_for([](const PeerState& s) { return !s.key_bytes.empty(); }, 2000)) break;
    key_us.push_back(static_cast<double>(peer.snapshot().key_bytes[0].t_ns - t0) / 1e3);
    session.key_up(SDL_SCANCODE_A);
    peer.wait_for([](const PeerState& s) { return s.key_bytes.size() >= 2; }, 2000);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  // Mouse: absolute moves to fresh positions.
  std::vector<double> mouse_us;
  for (int i = 0; i < 300; ++i) {
    peer.clear_inputs();
    const int x = 10 + i % 1000, y = 10 + (i * 7) % 700;
    const uint64_t t0 = monotonic_ns();
    session.mouse_position(x, y);
    if (!peer.wait_for(
            [&](const PeerState& s) {
              return !s.pointer.empty() && s.pointer.back().x == x && s.pointer.back().y == y;
            },
            2000)) {
      break;
    }
    mouse_us.push_back(static_cast<double>(peer.snapshot().pointer.back().t_ns - t0) / 1e3);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  print("key press -> server (us)", percentiles(key_us), "us", "loopback TCP one-way", tcp);
  print("mouse move -> server (us)", percentiles(mouse_us), "us", "loopback TCP one-way", tcp);

  // Audio: 6 s of bursts through the session vs. straight into the sink.
  {
    SinkRecorder recorder(pulse.server(), PrivatePulse::kOutMonitor);
    peer.start_playback(bursts);
    std::this_thread::sleep_for(std::chrono::seconds(6));
    peer.stop_playback();
    const auto spice_audio =
        percentiles(burst_latencies_ms(recorder.stop(), peer.snapshot().puts, kBurstPeriod));
    const SessionStatus status = session.status();
    const auto direct = direct_audio_floor(pulse, 6.0);
    print("audio server -> sink (ms)", spice_audio, "ms", "direct to sink, 20 ms", direct);
    std::printf("  target <= 50 ms: %s; playback buffer %u ms, underruns %llu, overruns %llu\n",
                spice_audio.n > 0 && spice_audio.p95 <= 50 ? "met" : "NOT met", status.audio_buffer_ms,
                static_cast<unsigned long long>(status.audio_underruns),
                static_cast<unsigned long long>(status.audio_overruns));
  }
  return 0;
}
