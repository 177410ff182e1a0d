#pragma once
// The host end of the benchmark's report port: the guest's third serial port (ttyS2), which QEMU
// connects to a Unix socket. Every line is stamped with the host's monotonic time when it was read,
// so a latency is that stamp minus the time the host triggered the event.
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace kagami::bench {

struct ReportLine {
  std::string text;            // without the newline
  std::uint64_t arrived_ns{};  // monotonic_ns() right after the read that completed it
};

class ReportPort {
 public:
  // Connects to QEMU's listening socket, retrying until timeout_ms (QEMU creates it at start-up).
  static Result<ReportPort> connect(const std::string& socket_path, int timeout_ms);

  ReportPort() = default;
  ReportPort(ReportPort&& other) noexcept;
  ReportPort& operator=(ReportPort&& other) noexcept;
  ReportPort(const ReportPort&) = delete;
  ReportPort& operator=(const ReportPort&) = delete;
  ~ReportPort();

  Result<void> send(std::string_view line);  // a newline is appended
  // Drops every line that has arrived so far (stale events between samples).
  void discard_pending();
  // The first line (in arrival order) for which `wanted` is true, within timeout_ms; the lines
  // before it are dropped.
  Result<ReportLine> wait_for(const std::function<bool(std::string_view)>& wanted, int timeout_ms);

 private:
  explicit ReportPort(int fd) : fd_(fd) {}
  // Reads whatever is there, waiting up to timeout_ms for something; false on error/end.
  bool read_some(int timeout_ms);

  int fd_ = -1;
  std::string partial_;
  std::deque<ReportLine> lines_;
};

}  // namespace kagami::bench
