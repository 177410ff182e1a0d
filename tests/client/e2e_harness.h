#pragma once
// Test support for end-to-end client tests: a unique /dev/shm region, a real KvmfrHost publishing
// into it (the agent side of the wire format, with its 10 ms timer thread), and the real
// kagami-client program running against it on a private Xvfb.
#include <sys/types.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "frame_builder.h"
#include "protocol/kvmfr_host.h"

namespace kagami::client::test {

// A /dev/shm file unique to this process and call, mapped shared; removed on destruction.
class ShmRegion {
 public:
  explicit ShmRegion(std::size_t size);
  ~ShmRegion();
  std::span<std::byte> bytes() const { return {data_, size_}; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::byte* data_ = nullptr;
  std::size_t size_ = 0;
};

// The agent side: KvmfrHost over the region, with the timer thread B7 runs (process() every 10 ms,
// re-posting the last frame and cursor for new subscribers).
class TestAgent {
 public:
  explicit TestAgent(std::span<std::byte> region);
  ~TestAgent();
  void start(const protocol::GuestInfo& info = default_info());  // setup + timer thread; throws on error
  void stop();  // the timer stops: no more heartbeats, as when the agent dies
  // Posts a frame and writes its pixels (progressively, with wp stores). Throws if it cannot.
  void post(const BuiltFrame& frame, std::span<const protocol::FrameDamageRect> damage = {});
  // Posts a frame described by `d` (serial filled in) and lets `write` fill the pixels; the
  // write pointer is the caller's job (FrameWrite::advance / finish).
  void post_with(protocol::FrameDescription d, const std::function<void(protocol::FrameWrite&)>& write);
  void post_cursor(const protocol::CursorUpdate& update);
  // Waits (up to 5 s) until the queue has room for a frame, as B7's capture loop does.
  void wait_for_slot();
  static protocol::GuestInfo default_info();
  // Shm offset of frame buffer i's KVMFRFrame header (one page below its pixels).
  std::size_t frame_header_offset(std::uint32_t buffer) const;

 private:
  std::span<std::byte> region_;
  MonotonicClock clock_;
  SystemRandom random_;
  std::unique_ptr<protocol::KvmfrHost> host_;
  std::mutex mutex_;
  std::thread timer_;
  std::atomic<bool> running_{false};
  std::uint32_t serial_ = 0;
  std::uint32_t format_ver_ = 0;
  std::array<std::uint32_t, 8> last_format_{};
};

// kagami-client as a child process; its output goes to a log file the test can read.
class ClientProcess {
 public:
  // `display`: the Xvfb; extra args are appended after the test defaults (window at 0,0, borderless).
  ClientProcess(const std::string& display, const std::string& shm, int width, int height,
                std::vector<std::string> extra_args = {});
  ~ClientProcess();
  bool alive();
  std::string pid_string() const { return std::to_string(pid_); }
  // SIGSTOP / SIGCONT: a client that stalls (as on a busy machine) until the agent evicts it.
  void pause();
  void resume();
  // SIGTERM, then waits for the exit; true when the process ended within timeout_ms.
  bool terminate_within(int timeout_ms);
  // Exit status as waitpid reports it (-1 while running).
  int status() const { return status_; }
  // Resident set size in KiB (VmRSS), 0 once it has ended.
  std::uint64_t rss_kib() const;
  std::string log() const;
  // Waits until the log contains `text`; false after timeout.
  bool wait_for_log(const std::string& text, int timeout_ms = 10000) const;

 private:
  pid_t pid_ = -1;
  int status_ = -1;
  std::string log_path_;
};

std::string client_binary();

// kagami-agent (next to kagami-client in the build) as a child process with these arguments, its
// output discarded; SIGTERM and waited for on destruction or stop().
class AgentProcess {
 public:
  explicit AgentProcess(const std::vector<std::string>& args);
  ~AgentProcess() { stop(); }
  AgentProcess(const AgentProcess&) = delete;
  AgentProcess& operator=(const AgentProcess&) = delete;
  void stop();

 private:
  pid_t pid_ = -1;
};

// Reads the window title (WM_NAME) of the first top-level window on the display.
std::string window_title(const std::string& display);

}  // namespace kagami::client::test
