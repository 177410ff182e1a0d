// The agent on the two Linux desktops in one run, 1920x1080 BGRA: the wlr backend on a private
// headless sway (pixman renderer) and the x11 backend on a private Xvfb. For each:
//   - a client animates the whole screen at 60 frames/s, each frame carrying a latency marker
//     stamped right before its commit (wl_surface_commit / the X requests); the agent loop
//     publishes into a region, a KvmfrSession reader decodes the marker of each frame it gets:
//     fps received, and latency commit -> frame complete in the region (p50/p90; includes the
//     reader's 1 ms poll and its copy of the frame out of the region)
//   - the agent's CPU while animating, with a static screen (reader connected) and with no reader
// and a memcpy of one frame's bytes measured in the same run (the machine is shared and noisy).
// The agent runs in this process so its threads' CPU can be told apart; the compositor's own
// work (sway copying the output into the screen-copy buffer, Xvfb answering GetImage) is not in
// it. sway refuses to run as root: as root, it runs as an unprivileged user (tests/capture).
#include <unistd.h>
#include <xcb/xcb.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "agent/agent.h"
#include "agent/guest_info.h"
#include "capture/pattern/latency_marker.h"
#include "capture/wlr/wlr_backend.h"
#include "capture/x11/x11_backend.h"
#include "common/clock.h"
#include "portal_stack.h"
#include "reader.h"
#include "sway_session.h"
#include "test_region.h"
#include "wayland_painter.h"
#include "xvfb.h"

using namespace kagami;
using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

namespace {

constexpr std::uint32_t kWidth = 1920, kHeight = 1080, kPitch = kWidth * 4;
constexpr auto kFrameInterval = std::chrono::microseconds(16667);
constexpr auto kAnimation = 5s;

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

// CPU seconds of this process's threads except `skip` (the benchmark's own): the agent's.
double cpu_seconds_without(const std::vector<pid_t>& skip) {
  double total = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/task")) {
    const pid_t tid = static_cast<pid_t>(std::stol(entry.path().filename().string()));
    if (std::find(skip.begin(), skip.end(), tid) != skip.end()) continue;
    std::ifstream in(entry.path() / "schedstat");
    double ns = 0;
    in >> ns;
    total += ns / 1e9;
  }
  return total;
}

// CPU seconds of process `pid` so far (utime + stime from /proc/PID/stat), -1 if unknown.
double process_cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto close = text.rfind(')');
  if (pid <= 0 || close == std::string::npos) return -1;
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14 || i == 15) ticks += std::stod(field);  // utime, stime
  }
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// CPU seconds of the processes of process group `group` except `skip` (a portal session's bus,
// PipeWire, WirePlumber and portals, without the agent).
double group_cpu_seconds(pid_t group, pid_t skip) {
  double total = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t pid = static_cast<pid_t>(std::stol(name));
    if (pid == skip || ::getpgid(pid) != group) continue;
    if (const double s = process_cpu_seconds(pid); s > 0) total += s;
  }
  return total;
}

struct Measured {
  double fps = 0, p50_ms = 0, p90_ms = 0;
  double animating_cpu = 0, static_cpu = 0, idle_cpu = 0;
  double compositor_cpu = -1;  // the compositor's process while animating (sway), -1 if not measured
  std::size_t frames = 0;
  std::map<std::uint64_t, std::uint64_t> arrived_ns;  // frame number -> when it was complete in the region
};

// Measures an agent publishing into `region` while `draw(frame_number)` animates at 60 Hz: a
// reader decodes each frame's marker. `agent_cpu(bench_threads)` is the agent's CPU seconds so
// far, not counting `bench_threads` (this process's own threads, when the agent runs in it).
// `nudge` is called while no frame came yet (casts that send only changes).
Measured measure_region(std::span<std::byte> region,
                        const std::function<double(const std::vector<pid_t>& bench_threads)>& agent_cpu,
                        const std::function<void(std::uint64_t)>& draw, pid_t compositor,
                        const std::function<void()>& nudge = {}) {
  Measured m;
  const pid_t main_tid = gettid();

  // Idle: no reader (after start-up, which touches every page of the region).
  std::this_thread::sleep_for(1s);
  double cpu0 = agent_cpu({main_tid});
  auto t0 = Steady::now();
  std::this_thread::sleep_for(2s);
  m.idle_cpu = (agent_cpu({main_tid}) - cpu0) / std::chrono::duration<double>(Steady::now() - t0).count();

  std::atomic<bool> reading{true}, animating{false};
  std::atomic<pid_t> reader_tid{0}, animator_tid{0};
  std::vector<double> latencies;
  std::set<std::uint64_t> seen;
  std::atomic<std::uint64_t> received{0};
  std::thread reader_thread([&] {
    reader_tid = gettid();
    testing::Reader reader(region);
    while (reading) {
      auto frame = reader.next_frame(100ms);
      if (!frame) continue;
      const std::uint64_t now = monotonic_ns();
      ++received;
      if (!animating) continue;
      const auto marker =
          capture::decode_latency_marker(frame->pixels.data(), frame->info.pitch, 4, frame->info.frame_width,
                                         frame->info.frame_height, 0, 0);
      if (marker && seen.insert(marker->frame).second && now > marker->timestamp_ns) {
        latencies.push_back(static_cast<double>(now - marker->timestamp_ns) / 1e6);
        m.arrived_ns[marker->frame] = now;
      }
    }
  });
  for (int i = 0; received == 0 && i < 1000; ++i) {
    std::this_thread::sleep_for(10ms);
    if (nudge && i % 50 == 49) nudge();
  }

  animating = true;
  std::thread animator([&] {
    animator_tid = gettid();
    const auto start = Steady::now();
    for (std::uint64_t i = 0; Steady::now() - start < kAnimation; ++i) {
      std::this_thread::sleep_until(start + i * kFrameInterval);
      draw(i);
    }
  });
  while (animator_tid == 0) std::this_thread::sleep_for(1ms);
  cpu0 = agent_cpu({main_tid, reader_tid, animator_tid});
  const double compositor0 = process_cpu_seconds(compositor);
  t0 = Steady::now();
  animator.join();
  const double seconds = std::chrono::duration<double>(Steady::now() - t0).count();
  m.animating_cpu = (agent_cpu({main_tid, reader_tid, animator_tid}) - cpu0) / seconds;
  if (compositor0 >= 0) m.compositor_cpu = (process_cpu_seconds(compositor) - compositor0) / seconds;
  std::this_thread::sleep_for(300ms);  // the last frames arrive
  animating = false;

  // Static screen, reader connected.
  cpu0 = agent_cpu({main_tid, reader_tid, animator_tid});
  t0 = Steady::now();
  std::this_thread::sleep_for(2s);
  m.static_cpu = (agent_cpu({main_tid, reader_tid, animator_tid}) - cpu0) /
                 std::chrono::duration<double>(Steady::now() - t0).count();
  reading = false;
  reader_thread.join();

  m.frames = seen.size();
  m.fps = static_cast<double>(seen.size()) / seconds;
  m.p50_ms = percentile(latencies, 0.5);
  m.p90_ms = percentile(latencies, 0.9);
  return m;
}

// The agent loop on `backend` in this process (its threads' CPU told apart from the benchmark's).
Measured measure(capture::CaptureBackend& backend, const std::function<void(std::uint64_t)>& draw,
                 pid_t compositor = -1) {
  testing::TestRegion region(32 << 20);
  agent::Agent agent(agent::AgentRegion{region.bytes(), region.fd()}, backend,
                     agent::collect_guest_info(backend.name()));
  std::atomic<bool> stop{false};
  std::thread agent_thread([&] { (void)agent.run(stop); });
  const Measured m = measure_region(region.bytes(), cpu_seconds_without, draw, compositor);
  stop = true;
  agent_thread.join();
  return m;
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one, five;
  in >> one >> five;
  return one + " " + five;
}

void print(const char* name, const Measured& m, double memcpy_ms) {
  std::printf(
      "%s\n     60 fps animation: %5.1f fps received (%zu frames), commit -> region p50 %.2f ms, p90 %.2f ms "
      "(one frame interval %.2f ms; p50 = %.1f x a frame memcpy)\n",
      name, m.fps, m.frames, m.p50_ms, m.p90_ms, 1000.0 / 60, m.p50_ms / memcpy_ms);
  std::printf(
      "     agent CPU: animating %.1f%%, static screen %.2f%%, no reader %.2f%% of one core (limit 1%%)\n",
      100 * m.animating_cpu, 100 * m.static_cpu, 100 * m.idle_cpu);
  if (m.compositor_cpu >= 0) {
    std::printf("     compositor (sway: rendering + screen-copy) CPU while animating: %.1f%% of one core\n",
                100 * m.compositor_cpu);
  }
  std::printf("     (load average now: %s)\n", load_average().c_str());
}

// The wlr backend, seen from the agent's thread: for each frame read_pixels wrote into the
// region, its marker's frame number, the compositor's output commit it came from (screen-copy's
// `ready` time), when the backend read that `ready`, and when the slot was written.
class TimedWlr final : public capture::CaptureBackend {
 public:
  struct Times {
    std::uint64_t output_commit_ns = 0, received_ns = 0, written_ns = 0;
  };
  explicit TimedWlr(capture::WlrBackend& backend) : backend_(backend) {}
  std::string_view name() const override { return backend_.name(); }
  Result<void> start() override { return backend_.start(); }
  capture::CaptureStatus capture(std::chrono::milliseconds timeout, capture::CaptureEvent* event) override {
    return backend_.capture(timeout, event);
  }
  capture::CaptureStatus read_pixels(const capture::FrameTarget& target,
                                     std::span<const capture::Rect> rects) override {
    const auto status = backend_.read_pixels(target, rects);
    const std::uint64_t written = monotonic_ns();
    const auto marker =
        capture::decode_latency_marker(target.pixels.data(), target.pitch, 4, kWidth,
                                       static_cast<std::uint32_t>(target.pixels.size() / target.pitch), 0, 0);
    if (marker)
      times_.try_emplace(marker->frame,
                         Times{backend_.frame_commit_ns(), backend_.frame_received_ns(), written});
    return status;
  }
  std::string last_error() const override { return backend_.last_error(); }
  // Read after the agent's thread ended.
  const std::map<std::uint64_t, Times>& times() const { return times_; }

 private:
  capture::WlrBackend& backend_;
  std::map<std::uint64_t, Times> times_;
};

std::string ms_percentiles(const std::vector<double>& v) {
  char text[96];
  std::snprintf(text, sizeof text, "p50 %.2f ms, p90 %.2f ms", percentile(v, 0.5), percentile(v, 0.9));
  return text;
}

double ms_between(std::uint64_t from, std::uint64_t to) {
  return (static_cast<double>(to) - static_cast<double>(from)) / 1e6;
}

// Where the wlr path's frames and milliseconds go, frame by frame (the painter's marker numbers):
// the client's commits; which ones sway replaced by a later commit before compositing them
// (wp_presentation `discarded`); the output commits sway made (screen-copy `ready` times) and
// their spacing; and for each frame the agent published: client commit -> output commit ->
// agent has the copy -> slot written -> the reader has it.
void print_wlr_breakdown(const testing::WaylandPainter& painter, const TimedWlr& timed, const Measured& m) {
  const auto& commits = painter.presentations();
  if (commits.size() < 2) return;
  std::vector<double> intervals, to_output, to_agent, to_slot, to_reader, output_to_region, output_spacing;
  std::size_t discarded = 0;
  for (std::size_t i = 0; i < commits.size(); ++i) {
    if (commits[i].discarded) ++discarded;
    if (i > 0) intervals.push_back(ms_between(commits[i - 1].commit_ns, commits[i].commit_ns));
  }
  std::uint64_t last_output = 0;
  for (const auto& [frame, t] : timed.times()) {
    if (frame >= commits.size() || t.output_commit_ns == 0) continue;
    to_output.push_back(ms_between(commits[frame].commit_ns, t.output_commit_ns));
    to_agent.push_back(ms_between(t.output_commit_ns, t.received_ns));
    to_slot.push_back(ms_between(t.received_ns, t.written_ns));
    if (last_output) output_spacing.push_back(ms_between(last_output, t.output_commit_ns));
    last_output = t.output_commit_ns;
    const auto arrived = m.arrived_ns.find(frame);
    if (arrived == m.arrived_ns.end()) continue;
    to_reader.push_back(ms_between(t.written_ns, arrived->second));
    output_to_region.push_back(ms_between(t.output_commit_ns, arrived->second));
  }
  const double seconds = ms_between(commits.front().commit_ns, commits.back().commit_ns) / 1e3;
  std::printf(
      "     client: %zu commits (%.1f/s), interval %s; sway replaced %zu of them before compositing "
      "(wp_presentation discarded)\n",
      commits.size(), static_cast<double>(commits.size() - 1) / seconds, ms_percentiles(intervals).c_str(),
      discarded);
  std::printf("     sway output commits with a new frame: every %s\n",
              ms_percentiles(output_spacing).c_str());
  std::printf("     agent published %zu of the %zu composited frames\n", timed.times().size(),
              commits.size() - discarded);
  std::printf("     client commit -> sway output commit  %s\n", ms_percentiles(to_output).c_str());
  std::printf("     output commit -> agent has the copy  %s (sway copies the output, then the socket)\n",
              ms_percentiles(to_agent).c_str());
  std::printf("     agent has it  -> slot written        %s\n", ms_percentiles(to_slot).c_str());
  std::printf("     slot written  -> reader has it       %s (its 1 ms poll and its copy)\n",
              ms_percentiles(to_reader).c_str());
  std::printf("     output commit -> frame in the region %s (target: one frame interval)\n",
              ms_percentiles(output_to_region).c_str());
}

// One wlr measurement on a fresh sway whose HEADLESS-1 runs at `refresh_hz` (0: default).
int run_wlr(const char* label, std::uint32_t refresh_hz, int queued_copies, double memcpy_ms) {
  testing::SwaySession sway(kWidth, kHeight, refresh_hz);
  if (!sway.error().empty()) {
    std::printf("wlr: skipped: %s\n", sway.error().c_str());
    return 0;
  }
  testing::WaylandPainter painter(sway.socket_path());
  capture::WlrConfig config{sway.socket_path(), "HEADLESS-1", false};
  config.queued_copies = queued_copies;
  capture::WlrBackend wlr(config);
  TimedWlr backend(wlr);
  if (!painter.show([](std::uint32_t, std::uint32_t) { return 0x000000u; })) {
    std::printf("wlr: the animating window failed: %s\n", painter.error().c_str());
    return 1;
  }
  if (auto r = backend.start(); !r) {
    std::printf("wlr: %s\n", r.error().message.c_str());
    return 1;
  }
  const Measured m = measure(
      backend,
      [&](std::uint64_t i) {
        painter.commit_frame(static_cast<std::uint32_t>(i * 0x010203u) & 0xffffff,
                             [&](std::uint32_t* pixels) {
                               capture::draw_latency_marker(
                                   {i, monotonic_ns()}, reinterpret_cast<std::byte*>(pixels), kPitch, 0, 0);
                             });
      },
      sway.pid());
  painter.settle(500);
  print(label, m, memcpy_ms);
  print_wlr_breakdown(painter, backend, m);
  return 0;
}

// The portal on a fresh sway (120 Hz headless output, as the last wlr run): the real kagami-agent
// --capture portal as its own process under the session's D-Bus with PipeWire, WirePlumber and
// xdg-desktop-portal-wlr (tests/capture/portal_stack.h), the same animation, read from its region.
int run_portal(double memcpy_ms) {
#ifndef KAGAMI_BENCH_PORTAL
  (void)memcpy_ms;
  std::printf("portal: skipped: kagami-agent was built without the portal backend (KAGAMI_AGENT_PORTAL)\n");
  return 0;
#else
  testing::SwaySession sway(kWidth, kHeight, 120);
  if (!sway.error().empty()) {
    std::printf("portal: skipped: %s\n", sway.error().c_str());
    return 0;
  }
  testing::PortalStack stack(sway);
  if (!stack.error().empty()) {
    std::printf("portal: skipped: %s\n", stack.error().c_str());
    return 0;
  }
  testing::WaylandPainter painter(sway.socket_path());
  if (!painter.show([](std::uint32_t, std::uint32_t) { return 0x000000u; })) {
    std::printf("portal: the animating window failed: %s\n", painter.error().c_str());
    return 1;
  }
  testing::PortalRun run(sway, KAGAMI_AGENT_PATH, "bench");
  if (!run.log_says("PipeWire stream streaming", 30s) || run.agent_pid() <= 0) {
    std::printf("portal: the cast did not start; its log:\n%s\n", run.log().c_str());
    return 1;
  }
  const pid_t agent = run.agent_pid();
  double stack0 = 0;
  const Measured m = measure_region(
      run.region(), [&](const std::vector<pid_t>&) { return process_cpu_seconds(agent); },
      [&](std::uint64_t i) {
        if (i == 0) stack0 = group_cpu_seconds(run.group(), agent);
        painter.commit_frame(static_cast<std::uint32_t>(i * 0x010203u) & 0xffffff,
                             [&](std::uint32_t* pixels) {
                               capture::draw_latency_marker(
                                   {i, monotonic_ns()}, reinterpret_cast<std::byte*>(pixels), kPitch, 0, 0);
                             });
      },
      sway.pid(), [&] { painter.redraw(); });
  const double stack_cpu = (group_cpu_seconds(run.group(), agent) - stack0) /
                           std::chrono::duration<double>(kAnimation + 2300ms).count();
  painter.settle(500);
  print("portal (sway 120 Hz, xdg-desktop-portal-wlr 0.7, PipeWire; the agent a process of its own)", m,
        memcpy_ms);
  const auto& commits = painter.presentations();
  std::size_t discarded = 0;
  for (const auto& c : commits) discarded += c.discarded ? 1 : 0;
  std::printf(
      "     client: %zu commits; sway replaced %zu before compositing; %zu of the %zu composited frames "
      "reached the region\n",
      commits.size(), discarded, m.frames, commits.size() - discarded);
  std::printf(
      "     portal stack (PipeWire, WirePlumber, portals, bus) CPU from the animation to the end: %.1f%% of "
      "one core\n",
      100 * stack_cpu);
  run.stop();
  return 0;
#endif
}

class XDraw {
 public:
  explicit XDraw(const std::string& display) : c_(xcb_connect(display.c_str(), nullptr)) {
    const xcb_screen_t* screen = xcb_setup_roots_iterator(xcb_get_setup(c_)).data;
    root_ = screen->root;
    depth_ = screen->root_depth;
    gc_ = xcb_generate_id(c_);
    xcb_create_gc(c_, gc_, root_, 0, nullptr);
  }
  ~XDraw() { xcb_disconnect(c_); }
  // A full-screen fill, then the marker stamped now, in one flush.
  void frame(std::uint64_t number, std::uint32_t rgb) {
    xcb_change_gc(c_, gc_, XCB_GC_FOREGROUND, &rgb);
    const xcb_rectangle_t r{0, 0, kWidth, kHeight};
    xcb_poly_fill_rectangle(c_, root_, gc_, 1, &r);
    std::vector<std::byte> marker(std::size_t{capture::kMarkerWidth} * capture::kMarkerHeight * 4);
    capture::draw_latency_marker({number, monotonic_ns()}, marker.data(), capture::kMarkerWidth * 4, 0, 0);
    xcb_put_image(c_, XCB_IMAGE_FORMAT_Z_PIXMAP, root_, gc_, capture::kMarkerWidth, capture::kMarkerHeight, 0,
                  0, 0, depth_, static_cast<std::uint32_t>(marker.size()),
                  reinterpret_cast<const std::uint8_t*>(marker.data()));
    std::free(xcb_get_input_focus_reply(c_, xcb_get_input_focus(c_), nullptr));
  }

 private:
  xcb_connection_t* c_;
  xcb_window_t root_;
  std::uint8_t depth_ = 24;
  xcb_gcontext_t gc_;
};

}  // namespace

// Arguments: which runs (wlr, portal, x11; default all), e.g. `desktop_agent_bench portal x11`.
int main(int argc, char** argv) {
  const auto wanted = [&](std::string_view name) {
    if (argc < 2) return true;
    for (int i = 1; i < argc; ++i) {
      if (name == argv[i]) return true;
    }
    return false;
  };
  const std::size_t frame_bytes = std::size_t{kPitch} * kHeight;
  std::printf("kagami-agent on Wayland (wlr) and X11, %ux%u BGRA (%.1f MiB per frame)\n", kWidth, kHeight,
              static_cast<double>(frame_bytes) / (1 << 20));

  // The memcpy of one frame, in this run.
  std::vector<std::byte> a(frame_bytes, std::byte{1}), b(frame_bytes);
  std::vector<double> copies;
  for (int i = 0; i < 30; ++i) {
    const auto t0 = Steady::now();
    std::memcpy(b.data(), a.data(), frame_bytes);
    copies.push_back(std::chrono::duration<double, std::milli>(Steady::now() - t0).count());
  }
  const double memcpy_ms = percentile(copies, 0.5);
  std::printf("memcpy of one frame: %.3f ms (%.0f frames/s)\n", memcpy_ms, 1000 / memcpy_ms);

  // wlr three times: sway's default 60 Hz headless output with the backend as it was (one copy
  // in flight) and as it is (two queued), then a 120 Hz headless output, whose frame clock keeps
  // up with a 60 fps client (see print_wlr_breakdown's "output commits" line).
  int status = 0;
  if (wanted("wlr")) {
    status |= run_wlr("wlr  (sway 60 Hz, one copy in flight, before)", 0, 1, memcpy_ms);
    status |= run_wlr("wlr  (sway 60 Hz, two copies queued)", 0, 2, memcpy_ms);
    status |= run_wlr("wlr  (sway 120 Hz, two copies queued)", 120, 2, memcpy_ms);
  }
  if (wanted("portal")) status |= run_portal(memcpy_ms);
  if (!wanted("x11")) return status;
  {
    testing::Xvfb xvfb(kWidth, kHeight);
    if (xvfb.display().empty()) {
      std::printf("x11: %s\n", xvfb.error().c_str());
      return 1;
    }
    XDraw draw(xvfb.display());
    capture::X11Config config;
    config.display = xvfb.display();
    capture::X11Backend backend(config);
    if (auto r = backend.start(); !r) {
      std::printf("x11: %s\n", r.error().message.c_str());
      return 1;
    }
    const Measured m =
        measure(backend, [&](std::uint64_t i) { draw.frame(i, static_cast<std::uint32_t>(i * 0x010203u)); });
    print("x11  (Xvfb)", m, memcpy_ms);
  }
  return status;
}
