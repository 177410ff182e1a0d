// Post -> receive latency of an LGMP message between two processes through a /dev/shm file,
// and the CPU the waiting side burns while nothing arrives. Two waiters are measured in the
// same run: a pure spin (the limit: lowest latency, a whole core) and kagami's PollWaiter.
// Targets: PollWaiter p99 <= 0.25 ms with the idle waiter under 5% of one core.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "common/clock.h"
#include "shm/region.h"
#include "common/poll_waiter.h"
#include "protocol/lgmp_client.h"
#include "protocol/lgmp_host.h"

namespace {

using namespace kagami;
using namespace kagami::protocol;

constexpr std::uint32_t kQueueId = 9;
constexpr std::uint32_t kQueueLength = 16;
constexpr int kSamples = 1500;
constexpr double kIdleSeconds = 2.0;

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

std::unique_ptr<shm::Region> map(const std::string& path, std::uint64_t create_size) {
  auto region = shm::open_file(path, {create_size != 0, create_size ? std::optional(create_size) : std::nullopt, 0600});
  if (!region) {
    fmt::print(stderr, "{}\n", region.error().message);
    std::exit(1);
  }
  return std::move(*region);
}

// The receiving process: prints its own results.
int run_waiter(const std::string& path, bool spin) {
  const auto file = map(path, 0);
  MonotonicClock clock;
  SystemRandom random;
  LgmpClient client(clock, random);
  if (client.init(file->bytes()) != LgmpStatus::ok) return 1;
  std::span<const std::byte> udata;
  LgmpSubscription sub;
  while (client.session_init(&udata) != LgmpStatus::ok) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  while (client.subscribe(kQueueId, &sub) != LgmpStatus::ok) std::this_thread::sleep_for(std::chrono::milliseconds(1));

  PollWaiter waiter;
  std::vector<double> latencies_us;
  while (latencies_us.size() < kSamples) {
    LgmpMessage msg;
    if (sub.process(&msg) == LgmpStatus::ok) {
      const std::uint64_t now = monotonic_ns();
      std::uint64_t sent;
      std::memcpy(&sent, file->bytes().data() + msg.offset, sizeof sent);
      latencies_us.push_back(static_cast<double>(now - sent) / 1e3);
      (void)sub.message_done();
      waiter.activity();
    } else if (!spin) {
      waiter.idle();
    }
  }
  // Idle: nothing is posted any more; measure what waiting costs.
  const double cpu0 = cpu_seconds();
  const std::uint64_t t0 = monotonic_ns();
  LgmpMessage msg;
  while (static_cast<double>(monotonic_ns() - t0) < kIdleSeconds * 1e9) {
    if (sub.process(&msg) == LgmpStatus::ok) (void)sub.message_done();
    if (!spin) waiter.idle();
  }
  const double idle_cpu = (cpu_seconds() - cpu0) / kIdleSeconds * 100;

  std::sort(latencies_us.begin(), latencies_us.end());
  const auto pct = [&](double p) { return latencies_us[static_cast<std::size_t>(p * static_cast<double>(latencies_us.size() - 1))]; };
  fmt::print("{:<12} p50 {:7.1f} us  p99 {:7.1f} us  max {:8.1f} us  idle CPU {:5.1f}% of a core  ({} samples)\n",
             spin ? "spin (limit)" : "PollWaiter", pct(0.5), pct(0.99), latencies_us.back(), idle_cpu,
             latencies_us.size());
  (void)sub.unsubscribe();
  std::fflush(stdout);  // the child leaves through _exit
  return 0;
}

// The posting process: heartbeat every 10 ms, a message every 1-3 ms until the waiter is done.
void run_poster(const std::string& path, bool spin) {
  const auto file = map(path, 4 << 20);
  MonotonicClock clock;
  SystemRandom random;
  LgmpHost host(clock, random);
  if (host.init(file->bytes(), {}) != LgmpStatus::ok) std::abort();
  std::uint32_t queue = 0;
  if (host.queue_new({kQueueId, kQueueLength, 1000}, &queue) != LgmpStatus::ok) std::abort();
  LgmpAllocation slots[kQueueLength + 1];
  for (auto& slot : slots)
    if (host.mem_alloc(64, &slot) != LgmpStatus::ok) std::abort();

  std::atomic<bool> running = true;
  std::mutex lgmp;  // post and process from two threads, as the agent does
  std::thread heartbeat([&] {
    while (running) {
      {
        std::lock_guard lock(lgmp);
        (void)host.process();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });

  std::fflush(stdout);
  const pid_t child = fork();
  if (child == 0) _exit(run_waiter(path, spin));
  while (!host.has_subs(queue)) std::this_thread::sleep_for(std::chrono::milliseconds(1));

  std::mt19937 rng(42);
  std::uniform_int_distribution<int> gap_us(1000, 3000);
  int status = 0;
  for (std::uint32_t i = 0; waitpid(child, &status, WNOHANG) == 0; ++i) {
    if (i < kSamples) {
      const LgmpAllocation& slot = slots[i % (kQueueLength + 1)];
      const std::uint64_t now = monotonic_ns();
      std::memcpy(file->bytes().data() + slot.offset, &now, sizeof now);
      std::lock_guard lock(lgmp);
      (void)host.post(queue, i, slot);
    }
    std::this_thread::sleep_for(std::chrono::microseconds(gap_us(rng)));
  }
  running = false;
  heartbeat.join();
}

}  // namespace

int main() {
  const std::string path = fmt::format("/dev/shm/kagami-latency-{}", ::getpid());
  fmt::print("LGMP post -> receive between two processes ({} messages 1-3 ms apart), then {} s idle\n", kSamples,
             kIdleSeconds);
  for (bool spin : {true, false}) {
    ::unlink(path.c_str());
    run_poster(path, spin);
  }
  ::unlink(path.c_str());
  fmt::print("target: PollWaiter p99 <= 250 us with idle CPU < 5% of a core\n");
}
