#include "report_port.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "common/clock.h"

namespace kagami::bench {

Result<ReportPort> ReportPort::connect(const std::string& socket_path, int timeout_ms) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof(address.sun_path)) return Error{"socket path too long: " + socket_path};
  std::memcpy(address.sun_path, socket_path.c_str(), socket_path.size() + 1);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return Error{std::string("socket(AF_UNIX): ") + std::strerror(errno)};
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0) return ReportPort(fd);
    const std::string why = std::strerror(errno);
    close(fd);
    if (std::chrono::steady_clock::now() >= deadline)
      return Error{"cannot connect to the report port " + socket_path + ": " + why + " (did QEMU start?)"};
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

ReportPort::ReportPort(ReportPort&& other) noexcept { *this = std::move(other); }

ReportPort& ReportPort::operator=(ReportPort&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
    partial_ = std::move(other.partial_);
    lines_ = std::move(other.lines_);
  }
  return *this;
}

ReportPort::~ReportPort() {
  if (fd_ >= 0) close(fd_);
}

Result<void> ReportPort::send(std::string_view line) {
  const std::string data = std::string(line) + "\n";
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = write(fd_, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Error{std::string("writing to the report port: ") + std::strerror(errno)};
    done += static_cast<std::size_t>(n);
  }
  return {};
}

bool ReportPort::read_some(int timeout_ms) {
  pollfd pfd{fd_, POLLIN, 0};
  const int ready = poll(&pfd, 1, timeout_ms);
  if (ready < 0) return errno == EINTR;
  if (ready == 0) return true;
  char chunk[4096];
  const ssize_t n = read(fd_, chunk, sizeof(chunk));
  const std::uint64_t now = monotonic_ns();
  if (n < 0) return errno == EINTR;
  if (n == 0) return false;
  partial_.append(chunk, static_cast<std::size_t>(n));
  for (std::size_t end = partial_.find('\n'); end != std::string::npos; end = partial_.find('\n')) {
    lines_.push_back({partial_.substr(0, end), now});
    partial_.erase(0, end + 1);
  }
  return true;
}

void ReportPort::discard_pending() {
  pollfd pfd{fd_, POLLIN, 0};
  while (poll(&pfd, 1, 0) > 0 && read_some(0)) {
  }
  lines_.clear();
}

Result<ReportLine> ReportPort::wait_for(const std::function<bool(std::string_view)>& wanted, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    while (!lines_.empty()) {
      ReportLine line = std::move(lines_.front());
      lines_.pop_front();
      if (wanted(line.text)) return line;
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return Error{"no matching line on the report port within " + std::to_string(timeout_ms) + " ms"};
    if (!read_some(static_cast<int>(left.count()))) return Error{"the report port closed (did QEMU exit?)"};
  }
}

}  // namespace kagami::bench
