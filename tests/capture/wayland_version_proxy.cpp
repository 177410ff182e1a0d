#include "wayland_version_proxy.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <set>
#include <vector>

namespace kagami::testing {

namespace {

constexpr std::size_t kMaxFds = 28;  // libwayland's limit per message batch

int connect_unix(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

std::uint32_t word(const std::vector<std::uint8_t>& b, std::size_t at) {
  std::uint32_t w;
  std::memcpy(&w, b.data() + at, 4);
  return w;
}

// One direction of one connection: bytes and fds not yet forwarded.
struct Pipe {
  int from = -1, to = -1;
  std::vector<std::uint8_t> bytes;
  std::vector<int> fds;
};

}  // namespace

struct WaylandVersionProxy::Connection {
  Pipe up, down;  // client -> compositor, compositor -> client
  std::set<std::uint32_t> registries;
  std::set<std::uint32_t> managers;     // zwlr_screencopy_manager_v1 objects
  std::set<std::uint32_t> frames;       // zwlr_screencopy_frame_v1 objects
  std::uint32_t width = 0, height = 0;  // of the last buffer event
  std::set<std::uint32_t> outputs;      // wl_output objects
  std::set<std::uint32_t> announced;    // wl_output objects whose first done was forwarded
  std::vector<std::uint8_t> held;       // wl_output.done events held back (hold_output_done)
  bool answered = false;                // a copy was answered since the first held done
};

namespace {

// Reads what is there; false on hang-up or error.
bool receive(Pipe& p) {
  std::uint8_t data[65536];
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFds)];
  iovec io{data, sizeof data};
  msghdr msg{};
  msg.msg_iov = &io;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  const ssize_t n = ::recvmsg(p.from, &msg, MSG_CMSG_CLOEXEC);
  if (n <= 0) return false;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      const std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (std::size_t i = 0; i < count; ++i) {
        int fd;
        std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
        p.fds.push_back(fd);
      }
    }
  }
  p.bytes.insert(p.bytes.end(), data, data + n);
  return true;
}

// Sends `count` bytes of p.bytes and every pending fd (in batches of kMaxFds).
bool forward(Pipe& p, std::size_t count) {
  std::size_t sent = 0;
  while (sent < count || !p.fds.empty()) {
    const std::size_t nfds = std::min(p.fds.size(), kMaxFds);
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFds)]{};
    // A batch of fds travels with at least one byte.
    const std::size_t chunk = nfds > 0 ? std::min<std::size_t>(count - sent, 4096) : count - sent;
    if (chunk == 0) break;  // fds with no bytes left: they go with the next message
    iovec io{p.bytes.data() + sent, chunk};
    msghdr msg{};
    msg.msg_iov = &io;
    msg.msg_iovlen = 1;
    if (nfds > 0) {
      msg.msg_control = control;
      msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
      cmsghdr* c = CMSG_FIRSTHDR(&msg);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
      std::memcpy(CMSG_DATA(c), p.fds.data(), sizeof(int) * nfds);
    }
    const ssize_t n = ::sendmsg(p.to, &msg, MSG_NOSIGNAL);
    if (n <= 0) return false;
    for (std::size_t i = 0; i < nfds; ++i) ::close(p.fds[i]);
    p.fds.erase(p.fds.begin(), p.fds.begin() + static_cast<std::ptrdiff_t>(nfds));
    sent += static_cast<std::size_t>(n);
  }
  p.bytes.erase(p.bytes.begin(), p.bytes.begin() + static_cast<std::ptrdiff_t>(sent));
  return true;
}

// Walks the complete messages in p.bytes; `inspect(offset, size)` may rewrite them in place.
// Returns the bytes of complete messages (what may be forwarded), or -1 on a malformed stream.
template <class F>
long complete_messages(Pipe& p, F inspect) {
  std::size_t at = 0;
  while (p.bytes.size() - at >= 8) {
    const std::uint32_t size = word(p.bytes, at + 4) >> 16;
    if (size < 8 || size % 4 != 0) return -1;
    if (p.bytes.size() - at < size) break;
    inspect(at, size);
    at += size;
  }
  return static_cast<long>(at);
}

std::string string_arg(const std::vector<std::uint8_t>& b, std::size_t at, std::size_t end,
                       std::size_t* next) {
  if (at + 4 > end) return {};
  const std::uint32_t length = word(b, at);
  *next = at + 4 + ((length + 3) & ~3u);
  if (length == 0 || *next > end) return {};
  return std::string(reinterpret_cast<const char*>(b.data() + at + 4), length - 1);
}

void put_word(std::vector<std::uint8_t>& out, std::uint32_t w) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(&w);
  out.insert(out.end(), p, p + 4);
}

}  // namespace

// Client requests: which objects are registries, screen-copy managers and frames.
void WaylandVersionProxy::track_request(Connection& c, std::size_t at, std::uint32_t size) {
  const auto& b = c.up.bytes;
  const std::uint32_t object = word(b, at), opcode = word(b, at + 4) & 0xffff;
  if (object == 1 && opcode == 1 && size >= 12) c.registries.insert(word(b, at + 8));  // get_registry
  if (c.registries.count(object) && opcode == 0) {  // bind(name, interface, version, new_id)
    std::size_t next = 0;
    const std::string iface = string_arg(b, at + 12, at + size, &next);
    if (iface == "zwlr_screencopy_manager_v1" && next + 8 <= at + size) c.managers.insert(word(b, next + 4));
    if (iface == "wl_output" && next + 8 <= at + size) c.outputs.insert(word(b, next + 4));
  }
  if (c.managers.count(object) && (opcode == 0 || opcode == 1) && size >= 12)
    c.frames.insert(word(b, at + 8));
}

// Compositor events, copied into `out`: a lowered version in wl_registry.global, a
// linux_dmabuf(XRGB8888, w, h) announcement before each screen-copy frame's buffer_done, and
// wl_output.done held back (into c.held) after an output's first.
void WaylandVersionProxy::rewrite_event(Connection& c, std::size_t at, std::uint32_t size,
                                        std::vector<std::uint8_t>& out) {
  auto& b = c.down.bytes;
  const std::uint32_t object = word(b, at), opcode = word(b, at + 4) & 0xffff;
  if (hold_output_done_ && c.outputs.count(object) && opcode == 2 && !c.announced.insert(object).second) {
    c.held.insert(c.held.end(), b.begin() + static_cast<std::ptrdiff_t>(at),
                  b.begin() + static_cast<std::ptrdiff_t>(at + size));
    return;
  }
  // ready or failed
  if (!c.held.empty() && c.frames.count(object) && (opcode == 2 || opcode == 3)) c.answered = true;
  if (c.registries.count(object) && opcode == 0 && size >= 20) {
    std::size_t version_at = 0;
    const std::string iface = string_arg(b, at + 12, at + size, &version_at);
    if (iface == interface_ && version_at + 4 <= at + size && word(b, version_at) > max_version_) {
      std::memcpy(b.data() + version_at, &max_version_, 4);
    }
  }
  if (c.frames.count(object) && opcode == 0 && size >= 24) {  // buffer(format, width, height, stride)
    c.width = word(b, at + 12);
    c.height = word(b, at + 16);
  }
  if (fake_dmabuf_ && c.frames.count(object) && opcode == 6) {  // buffer_done
    put_word(out, object);
    put_word(out, (20u << 16) | 5u);  // linux_dmabuf(format, width, height)
    put_word(out, 0x34325258u);       // DRM_FORMAT_XRGB8888
    put_word(out, c.width);
    put_word(out, c.height);
  }
  out.insert(out.end(), b.begin() + static_cast<std::ptrdiff_t>(at),
             b.begin() + static_cast<std::ptrdiff_t>(at + size));
}

WaylandVersionProxy::WaylandVersionProxy(std::string upstream_path, std::string listen_path,
                                         std::string interface, std::uint32_t max_version, bool fake_dmabuf,
                                         uid_t uid, gid_t gid)
    : fake_dmabuf_(fake_dmabuf),
      upstream_(std::move(upstream_path)),
      listen_path_(std::move(listen_path)),
      interface_(std::move(interface)),
      max_version_(max_version) {
  listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", listen_path_.c_str());
  ::unlink(listen_path_.c_str());
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 16) != 0 || ::chown(listen_path_.c_str(), uid, gid) != 0 ||
      ::pipe2(stop_pipe_, O_CLOEXEC) != 0) {
    error_ = std::string("cannot listen on ") + listen_path_ + ": " + std::strerror(errno);
    return;
  }
  thread_ = std::thread([this] { run(); });
}

WaylandVersionProxy::~WaylandVersionProxy() {
  if (thread_.joinable()) {
    [[maybe_unused]] const auto n = ::write(stop_pipe_[1], "x", 1);
    thread_.join();
  }
  for (int fd : {listen_fd_, stop_pipe_[0], stop_pipe_[1]}) {
    if (fd >= 0) ::close(fd);
  }
  ::unlink(listen_path_.c_str());
}

void WaylandVersionProxy::run() {
  std::vector<std::unique_ptr<Connection>> connections;
  auto close_connection = [](Connection& c) {
    for (int fd : {c.up.from, c.up.to}) ::close(fd);
    for (int fd : c.up.fds) ::close(fd);
    for (int fd : c.down.fds) ::close(fd);
  };
  for (;;) {
    std::vector<pollfd> fds = {{stop_pipe_[0], POLLIN, 0}, {listen_fd_, POLLIN, 0}};
    for (const auto& c : connections) {
      fds.push_back({c->up.from, POLLIN, 0});
      fds.push_back({c->down.from, POLLIN, 0});
    }
    if (::poll(fds.data(), fds.size(), -1) < 0) continue;
    if (fds[0].revents) break;
    if (fds[1].revents & POLLIN) {
      const int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      const int server = client >= 0 ? connect_unix(upstream_) : -1;
      if (server < 0) {
        if (client >= 0) ::close(client);
      } else {
        auto c = std::make_unique<Connection>();
        c->up.from = c->down.to = client;
        c->up.to = c->down.from = server;
        connections.push_back(std::move(c));
      }
    }
    std::vector<bool> dead(connections.size(), false);
    for (std::size_t i = 0; i < connections.size(); ++i) {
      Connection& c = *connections[i];
      if (fds[2 + 2 * i].revents) {
        const long n =
            receive(c.up) ? complete_messages(
                                c.up, [&](std::size_t at, std::uint32_t size) { track_request(c, at, size); })
                          : -1;
        if (n < 0 || !forward(c.up, static_cast<std::size_t>(n))) dead[i] = true;
        // The client answered the copies it was given: now the held wl_output.done.
        if (n > 0 && !dead[i] && c.answered) {
          const std::size_t held = c.held.size();
          c.down.bytes.insert(c.down.bytes.begin(), c.held.begin(), c.held.end());
          c.held.clear();
          c.answered = false;
          if (!forward(c.down, held)) dead[i] = true;
        }
      }
      if (fds[3 + 2 * i].revents && !dead[i]) {
        std::vector<std::uint8_t> out;
        const long n =
            receive(c.down)
                ? complete_messages(
                      c.down, [&](std::size_t at, std::uint32_t size) { rewrite_event(c, at, size, out); })
                : -1;
        if (n >= 0) {
          c.down.bytes.erase(c.down.bytes.begin(), c.down.bytes.begin() + n);
          c.down.bytes.insert(c.down.bytes.begin(), out.begin(), out.end());
        }
        if (n < 0 || !forward(c.down, out.size())) dead[i] = true;
      }
    }
    for (std::size_t i = connections.size(); i-- > 0;) {
      if (dead[i]) {
        close_connection(*connections[i]);
        connections.erase(connections.begin() + static_cast<std::ptrdiff_t>(i));
      }
    }
  }
  for (auto& c : connections) close_connection(*c);
}

}  // namespace kagami::testing
