#include "unix_stream.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

namespace kagami::vm_test {
namespace {

int remaining_ms(Deadline deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

}  // namespace

Result<UnixStream> UnixStream::connect(const std::string& path, Deadline deadline) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof(address.sun_path)) return Error{"socket path too long: " + path};
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  std::string last_error;
  do {
    const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return Error{std::string("socket: ") + std::strerror(errno)};
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0)
      return UnixStream(fd);
    last_error = std::strerror(errno);
    close(fd);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  } while (std::chrono::steady_clock::now() < deadline);
  return Error{"cannot connect to " + path + ": " + last_error};
}

UnixStream::UnixStream(UnixStream&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

UnixStream& UnixStream::operator=(UnixStream&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

UnixStream::~UnixStream() {
  if (fd_ >= 0) close(fd_);
}

Result<void> UnixStream::write_all(std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error{std::string("socket write failed: ") + std::strerror(errno)};
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

Result<std::size_t> UnixStream::read_until(std::string& buffer, std::string_view marker, Deadline deadline,
                                           std::size_t from) {
  for (;;) {
    if (const auto pos = buffer.find(marker, from); pos != std::string::npos) return pos;
    pollfd pfd{fd_, POLLIN, 0};
    const int ready = poll(&pfd, 1, remaining_ms(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return Error{"timed out waiting for '" + std::string(marker) + "'"};
    char chunk[4096];
    const ssize_t n = read(fd_, chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Error{"connection closed while waiting for '" + std::string(marker) + "'"};
    buffer.append(chunk, static_cast<std::size_t>(n));
  }
}

}  // namespace kagami::vm_test
