// spice_input_latency_bench: how long a key press and a mouse move take from the host to the
// guest's evdev, in a real QEMU guest (the VM tests' harness, TCG), measured from the host:
//   through kagami-client: XTest key/motion into the real kagami-client window on a private Xvfb
//     → SDL → kagami::spice::Session → SPICE → QEMU usb-kbd / usb-tablet → guest evdev;
//   directly: Session::key_down / mouse_position called in this process (no X, no client).
// t0 is the host's clock just before the input leaves (XTest request flushed / Session called);
// t1 is when the host reads the guest's report of the evdev event. The guest program
// (kagami-vm-input-reporter) reads every /dev/input/event* and writes a line per event to its
// own serial port at once (ttyS2: a PCI 16550 that QEMU connects to a Unix socket on the host).
// Floor, measured in the same run and interleaved with the samples: the host sends a short line on
// that port and the same guest program echoes it. The round trip holds the report leg every input
// sample holds (guest program woken, line written, serial -> host) plus a host -> guest serial leg
// in place of the input path, so the report leg alone costs at most this round trip (half of it
// if both legs cost the same). Nothing is subtracted: raw numbers and the floor are printed side by
// side. The guest runs under TCG (software CPU): guest-side work is slower than under KVM.
#include <SDL2/SDL_scancode.h>
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <thread>

#include "common/clock.h"
#include "e2e_harness.h"
#include "frame_builder.h"
#include "guest_vm.h"
#include "report_port.h"
#include "spice/session.h"
#include "xtest_input.h"
#include "xvfb.h"

namespace kagami::bench {
namespace {

namespace fs = std::filesystem;
using vm_test::GuestVm;

constexpr int kGuestWidth = 1280;  // the harness's default guest mode; the client window is 1:1
constexpr int kGuestHeight = 720;
constexpr int kKeyA = 30;  // KEY_A in linux/input-event-codes.h
constexpr std::uint32_t kKeysymA = 0x61;
constexpr int kSampleTimeoutMs = 3000;
constexpr int kWatchdogSeconds = 180;  // the whole run; normal runs take 30-50 s

struct Series {
  std::vector<double> ms;
  int lost = 0;
};

// One way of sending input to the guest: returns the host time the input left.
struct InputSource {
  std::function<std::uint64_t(bool press)> key_a;
  std::function<std::uint64_t(int x, int y)> move_to;
};

struct PhaseResult {
  Series key, move, floor;
};

double ms_between(std::uint64_t from_ns, std::uint64_t to_ns) {
  return static_cast<double>(static_cast<std::int64_t>(to_ns - from_ns)) / 1e6;
}

// QEMU scales a guest pixel to the tablet's 0..32767 as v * 32767 / size.
int tablet_value(int pixel, int size) { return pixel * 32767 / size; }

bool is_abs_x_near(std::string_view line, int expected) {
  int type = 0, code = 0, value = 0;
  if (std::sscanf(std::string(line).c_str(), "e %d %d %d", &type, &code, &value) != 3) return false;
  return type == 3 && code == 0 && std::abs(value - expected) <= 64;  // EV_ABS ABS_X
}

std::function<bool(std::string_view)> exactly(std::string text) {
  return [text = std::move(text)](std::string_view line) { return line == text; };
}

std::string key_line(bool press) { return "e 1 " + std::to_string(kKeyA) + (press ? " 1" : " 0"); }

// Presses and releases A, and moves the pointer, until the guest reports both: the path is up
// (the client window has the pointer, QEMU allows the absolute mouse).
Result<void> warm_up(ReportPort& port, const InputSource& input) {
  for (int attempt = 0;; ++attempt) {
    port.discard_pending();
    input.key_a(true);
    const bool pressed = port.wait_for(exactly(key_line(true)), 1000).ok();
    input.key_a(false);
    const bool released = port.wait_for(exactly(key_line(false)), 1000).ok();
    const int x = 100 + attempt % 2 * 200;
    input.move_to(x, 100);
    const bool moved =
        port.wait_for([&](std::string_view l) { return is_abs_x_near(l, tablet_value(x, kGuestWidth)); },
                      1000)
            .ok();
    if (pressed && released && moved) return {};
    if (attempt == 15) {
      return Error{std::string("the guest never reported ") + (pressed ? "" : "a key press ") +
                   (released ? "" : "a key release ") + (moved ? "" : "a tablet move ") +
                   "after 15 tries: is the input path connected?"};
    }
  }
}

void record(Series& series, std::uint64_t sent_ns, const Result<ReportLine>& line) {
  if (line) {
    series.ms.push_back(ms_between(sent_ns, line->arrived_ns));
  } else {
    ++series.lost;
  }
}

// `samples` rounds of: echo (floor), key press (+ release, not timed), pointer move, with a random
// 5-20 ms pause before each so samples do not lock onto the guest's or QEMU's timers.
Result<PhaseResult> measure(ReportPort& port, const InputSource& input, int samples, std::mt19937& random) {
  PhaseResult r;
  std::uniform_int_distribution<int> pause_us(5000, 20000);
  const auto pause = [&] { std::this_thread::sleep_for(std::chrono::microseconds(pause_us(random))); };
  for (int i = 0; i < samples; ++i) {
    pause();
    port.discard_pending();
    const std::string ping = "p" + std::to_string(i);
    const std::uint64_t ping_sent = monotonic_ns();
    if (auto sent = port.send(ping); !sent) return sent.error();
    record(r.floor, ping_sent, port.wait_for(exactly(ping), kSampleTimeoutMs));

    pause();
    port.discard_pending();
    // (Separate statements: the order of a call's arguments is unspecified.)
    const std::uint64_t key_sent = input.key_a(true);
    record(r.key, key_sent, port.wait_for(exactly(key_line(true)), kSampleTimeoutMs));
    input.key_a(false);
    (void)port.wait_for(exactly(key_line(false)), kSampleTimeoutMs);  // none held into the next sample

    pause();
    port.discard_pending();
    const int x = i % 2 == 0 ? 320 : 960;
    const int y = i % 2 == 0 ? 180 : 540;
    const int expected = tablet_value(x, kGuestWidth);
    const std::uint64_t move_sent = input.move_to(x, y);
    record(r.move, move_sent,
           port.wait_for([&](std::string_view l) { return is_abs_x_near(l, expected); }, kSampleTimeoutMs));

    if (r.floor.lost + r.key.lost + r.move.lost > samples / 10 + 2)
      return Error{"more than 10% of the samples were lost (no report within " +
                   std::to_string(kSampleTimeoutMs) + " ms) after " + std::to_string(i + 1) +
                   " rounds: floor " + std::to_string(r.floor.lost) + ", key " + std::to_string(r.key.lost) +
                   ", mouse " + std::to_string(r.move.lost)};
  }
  return r;
}

struct Percentiles {
  double p50 = 0, p95 = 0, max = 0;
};

Percentiles percentiles(std::vector<double> v) {
  Percentiles p;
  if (v.empty()) return p;
  std::sort(v.begin(), v.end());
  const auto rank = [&](double q) {
    return v[static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size()))) - 1];
  };
  p.p50 = rank(0.50);
  p.p95 = rank(0.95);
  p.max = v.back();
  return p;
}

void print_series(const char* what, const Series& s) {
  const Percentiles p = percentiles(s.ms);
  std::printf("  %-44s p50 %7.2f ms  p95 %7.2f ms  max %7.2f ms  (n=%zu, lost %d)\n", what, p.p50, p.p95,
              p.max, s.ms.size(), s.lost);
}

void print_phase(const char* title, const PhaseResult& r) {
  std::printf("%s\n", title);
  print_series("key press -> guest evdev (raw)", r.key);
  print_series("mouse move -> guest evdev (raw)", r.move);
  print_series("floor: report-port echo round trip", r.floor);
  std::fflush(stdout);
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one, five;
  in >> one >> five;
  return one + " " + five;
}

// The kernel and base initramfs the VM tests use; prepared (downloaded with apt) if missing.
Result<void> ensure_assets() {
  if (fs::exists(std::string(KAGAMI_VM_ASSETS) + "/vmlinux") &&
      fs::exists(std::string(KAGAMI_VM_ASSETS) + "/base.cpio"))
    return {};
  std::printf("preparing the guest kernel and initramfs in %s (first run: ~15 s)\n", KAGAMI_VM_ASSETS);
  std::fflush(stdout);
  return vm_test::run_to_completion(
      {{KAGAMI_VM_PREPARE_ASSETS, KAGAMI_VM_ASSETS, KAGAMI_VM_GUEST_INIT}, "", "", "/dev/stderr", ""},
      900000);
}

// Through the real kagami-client on its own Xvfb, fed by a host-side KVMFR agent in the guest's
// ivshmem region (one still frame: the view is not measured, but the client maps pointer
// positions through the guest image's size).
Result<PhaseResult> through_client(GuestVm& vm, ReportPort& port, int samples, std::mt19937& random) {
  client::test::Xvfb xvfb(kGuestWidth, kGuestHeight);
  client::test::TestAgent agent(vm.shm());
  agent.start();
  client::test::ClientProcess client(
      xvfb.display(), vm.shm_path(), kGuestWidth, kGuestHeight,
      {"--spice", "--spice-uri", "spice://127.0.0.1:" + std::to_string(vm.spice_port()), "--no-audio",
       "--no-clipboard", "--log-level", "info"});
  agent.post(client::test::build_frame(protocol::FrameType::bgra, kGuestWidth, kGuestHeight));
  if (!client.wait_for_log("input goes to the guest", 20000) || !client.wait_for_log("guest image", 10000))
    return Error{"kagami-client did not connect to the guest's SPICE or show the image; its log:\n" +
                 client.log()};

  auto x = XTestInput::connect(xvfb.display());
  if (!x) return x.error();
  XTestInput& xtest = **x;
  auto keycode = xtest.keycode_for(kKeysymA);
  if (!keycode) return keycode.error();
  xtest.move_to(kGuestWidth / 2, kGuestHeight / 2);  // no window manager: keys go where the pointer is
  if (auto synced = xtest.sync(); !synced) return synced.error();

  const std::uint8_t code = *keycode;
  const InputSource input{[&](bool press) { return xtest.key(code, press); },
                          [&](int px, int py) { return xtest.move_to(px, py); }};
  if (auto up = warm_up(port, input); !up)
    return Error{up.error().message + "\nclient log:\n" + client.log()};
  auto result = measure(port, input, samples, random);
  if (!client.alive()) return Error{"kagami-client died during the run; its log:\n" + client.log()};
  return result;
}

// Straight through kagami::spice::Session in this process (after the client has gone: QEMU's
// SPICE server takes one client at a time).
Result<PhaseResult> through_session(GuestVm& vm, ReportPort& port, int samples, std::mt19937& random) {
  spice::SessionOptions options;
  options.uri = "spice://127.0.0.1:" + std::to_string(vm.spice_port());
  options.audio.playback = false;
  options.clipboard.enabled = false;
  auto started = spice::Session::start(options);
  if (!started) return started.error();
  spice::Session& session = **started;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  for (;;) {
    const spice::SessionStatus s = session.status();
    if (s.inputs_ready && s.mouse_mode == spice::MouseMode::Client) break;
    if (std::chrono::steady_clock::now() > deadline)
      return Error{"the SPICE session did not get inputs in client mouse mode within 15 s: " + s.last_error};
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const InputSource input{[&](bool press) {
                            const std::uint64_t sent = monotonic_ns();
                            press ? session.key_down(SDL_SCANCODE_A) : session.key_up(SDL_SCANCODE_A);
                            return sent;
                          },
                          [&](int x, int y) {
                            const std::uint64_t sent = monotonic_ns();
                            session.mouse_position(x, y);
                            return sent;
                          }};
  if (auto up = warm_up(port, input); !up) return up.error();
  return measure(port, input, samples, random);
}

struct BenchOptions {
  int samples = 120;
  bool direct = true;
};

Result<void> run(const BenchOptions& options) {
  if (auto assets = ensure_assets(); !assets) return assets;
  char dir_template[] = "/tmp/kagami-bench-XXXXXX";
  if (mkdtemp(dir_template) == nullptr) return Error{"mkdtemp in /tmp failed"};
  const std::string dir = dir_template;
  struct RemoveDir {
    std::string path;
    ~RemoveDir() {
      std::error_code ignored;
      fs::remove_all(path, ignored);
    }
  } remove_dir{dir};
  const std::string report_socket = dir + "/report.sock";

  vm_test::VmOptions vm_options;
  vm_options.assets_dir = KAGAMI_VM_ASSETS;
  vm_options.files = {{KAGAMI_VM_PROGRAM_KAGAMI_VM_INPUT_REPORTER, "/bin/kagami-vm-input-reporter"}};
  // The report port: a PCI 16550 with an interrupt of its own. (A third ISA port would share IRQ 4
  // with the console's ttyS0, and QEMU's ISA UARTs do not OR a shared line: a level the console
  // lowers loses the other's transmit interrupt, and the report then waits for the next one.)
  // The guest's 8250 driver gives it the first free slot, ttyS2.
  vm_options.extra_qemu_args = {"-chardev", "socket,id=report,path=" + report_socket + ",server=on,wait=off",
                                "-device", "pci-serial,chardev=report"};
  const std::uint64_t boot_start = monotonic_ns();
  auto booted = GuestVm::start(vm_options);
  if (!booted) return booted.error();
  GuestVm& vm = **booted;
  auto port = ReportPort::connect(report_socket, 5000);
  if (!port) return port.error();
  if (auto input = vm.wait_for_console("kagami-vm: input", 15000); !input) return input.error();
  if (auto started = vm.run("kagami-vm-input-reporter /dev/ttyS2 >/tmp/reporter.log 2>&1 &"); !started)
    return started.error();
  auto ready = port->wait_for([](std::string_view l) { return l.rfind("ready ", 0) == 0; }, 10000);
  if (!ready) {
    auto log = vm.run("cat /tmp/reporter.log");
    return Error{"the guest reporter did not start: " + ready.error().message + "\n" +
                 (log ? log->output : "")};
  }
  std::printf("guest (%s) up with the reporter in %.1f s (%s); %d rounds per run; load average %s\n",
              vm.accel().c_str(), ms_between(boot_start, monotonic_ns()) / 1000, ready->text.c_str() + 6,
              options.samples, load_average().c_str());
  std::fflush(stdout);

  std::mt19937 random(7);
  auto client = through_client(vm, *port, options.samples, random);
  if (!client) return Error{"through kagami-client: " + client.error().message};
  print_phase("through kagami-client (XTest on Xvfb -> client -> SPICE -> QEMU USB -> guest evdev -> ttyS2):",
              *client);
  if (options.direct) {
    auto direct = through_session(vm, *port, options.samples, random);
    if (!direct) return Error{"through kagami::spice::Session: " + direct.error().message};
    print_phase("through kagami::spice::Session in this process (no X, no client):", *direct);
  }
  std::printf("load average at the end %s; guest under %s (software CPU: guest-side times are slow)\n",
              load_average().c_str(), vm.accel().c_str());
  return {};
}

}  // namespace
}  // namespace kagami::bench

int main(int argc, char** argv) {
  kagami::bench::BenchOptions options;
  CLI::App app{
      "spice_input_latency_bench: key press and mouse move -> guest evdev event latency in a real QEMU "
      "guest,\n"
      "through kagami-client on a private Xvfb and through kagami::spice::Session, beside the report path's\n"
      "echo round trip measured in the same run. Boots one guest (about 30-50 s in all)."};
  app.add_option("--samples", options.samples,
                 "Samples per series (each run has key, mouse and floor series)")
      ->capture_default_str()
      ->check(CLI::Range(10, 10000));
  app.add_flag("!--no-direct", options.direct, "Skip the run straight through kagami::spice::Session");
  CLI11_PARSE(app, argc, argv);

  // A run that hangs somewhere despite the timeouts ends here; QEMU, Xvfb and the client die with
  // this process (PR_SET_PDEATHSIG).
  signal(SIGALRM, [](int) {
    const char message[] = "spice_input_latency_bench: watchdog: the run took too long, aborting\n";
    (void)!write(2, message, sizeof(message) - 1);
    _exit(3);
  });
  alarm(static_cast<unsigned>(kagami::bench::kWatchdogSeconds + options.samples / 4));

  try {
    if (auto result = kagami::bench::run(options); !result) {
      std::fprintf(stderr, "spice_input_latency_bench: %s\n", result.error().message.c_str());
      return 1;
    }
  } catch (const std::exception& e) {  // the client tests' helpers (Xvfb, client process) throw
    std::fprintf(stderr, "spice_input_latency_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
