#pragma once
// A connected Unix stream socket with deadlines on every read: QEMU's QMP monitor and the guest's
// control port are both reached this way.
#include <chrono>
#include <string>
#include <string_view>

#include "common/result.h"

namespace kagami::vm_test {

using Deadline = std::chrono::steady_clock::time_point;

inline Deadline deadline_after(int timeout_ms) {
  return std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
}

class UnixStream {
 public:
  // Connects to a listening socket, retrying until the deadline (QEMU creates it at start-up).
  static Result<UnixStream> connect(const std::string& path, Deadline deadline);

  UnixStream() = default;
  UnixStream(UnixStream&& other) noexcept;
  UnixStream& operator=(UnixStream&& other) noexcept;
  UnixStream(const UnixStream&) = delete;
  UnixStream& operator=(const UnixStream&) = delete;
  ~UnixStream();

  Result<void> write_all(std::string_view data);
  // Reads until `buffer` (which keeps what was read before) contains `marker` at or after
  // `from`; returns the position of the marker in buffer. An error on timeout or end of stream.
  Result<std::size_t> read_until(std::string& buffer, std::string_view marker, Deadline deadline,
                                 std::size_t from = 0);
  bool is_open() const { return fd_ >= 0; }

 private:
  explicit UnixStream(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace kagami::vm_test
