// Guest program for the SPICE input latency benchmark: reports every input event the guest's
// evdev devices deliver as a line on a serial port the moment it reads it, and echoes each line
// the host sends on that port (the benchmark's floor: the same report path with no input in it).
//   kagami-vm-input-reporter PORT      e.g. /dev/ttyS2
// Lines written: "ready devices=N rx_trigger=N" once, then "e <type> <code> <value>" per event (no SYN/MSC;
// numbers as in linux/input-event-codes.h) and each received line back unchanged. Runs until
// killed (the VM's end).
#include <dirent.h>
#include <fcntl.h>
#include <linux/input.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace {

bool write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

// Every /dev/input/eventN, opened non-blocking.
std::vector<int> open_event_devices() {
  std::vector<int> fds;
  DIR* dir = opendir("/dev/input");
  if (dir == nullptr) return fds;
  while (dirent* entry = readdir(dir)) {
    if (std::strncmp(entry->d_name, "event", 5) != 0) continue;
    const std::string node = std::string("/dev/input/") + entry->d_name;
    const int fd = open(node.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0) fds.push_back(fd);
  }
  closedir(dir);
  return fds;
}

// Raw mode: bytes pass unchanged in both directions, no echo, read() returns what has arrived.
// 115200 baud: a 16550 raises its receive interrupt for fewer bytes than its trigger level only
// after 4 character times of silence, and QEMU emulates that timeout (4 ms at the default 9600).
bool open_port(const char* path, int& fd) {
  fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
  termios mode{};
  if (fd < 0 || tcgetattr(fd, &mode) != 0) return false;
  cfmakeraw(&mode);
  cfsetispeed(&mode, B115200);
  cfsetospeed(&mode, B115200);
  mode.c_cc[VMIN] = 1;
  mode.c_cc[VTIME] = 0;
  return tcsetattr(fd, TCSANOW, &mode) == 0;
}

// A receive interrupt at the first byte (default: 8 on a 16550A), so a short line from the host
// is not held back by the timeout either. Returns the trigger level now in effect, "?" if unknown.
std::string set_rx_trigger_to_one(const std::string& port_path) {
  const std::string attribute =
      "/sys/class/tty/" + port_path.substr(port_path.rfind('/') + 1) + "/rx_trig_bytes";
  if (FILE* out = std::fopen(attribute.c_str(), "w")) {
    std::fputs("1", out);
    std::fclose(out);
  }
  std::string level = "?";
  if (FILE* in = std::fopen(attribute.c_str(), "r")) {
    char text[16] = {};
    if (std::fgets(text, sizeof text, in) != nullptr) level = std::string(text, std::strcspn(text, "\n"));
    std::fclose(in);
  }
  return level;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s PORT\n", argv[0]);
    return 2;
  }
  int port = -1;
  if (!open_port(argv[1], port)) {
    std::fprintf(stderr, "cannot open %s in raw mode: %s\n", argv[1], std::strerror(errno));
    return 1;
  }
  const std::vector<int> devices = open_event_devices();
  if (devices.empty()) {
    std::fprintf(stderr, "no /dev/input/event* device could be opened\n");
    return 1;
  }
  std::vector<pollfd> watched;
  watched.push_back({port, POLLIN, 0});
  for (int fd : devices) watched.push_back({fd, POLLIN, 0});
  const std::string rx_trigger = set_rx_trigger_to_one(argv[1]);
  if (!write_all(port,
                 "ready devices=" + std::to_string(devices.size()) + " rx_trigger=" + rx_trigger + "\n"))
    return 1;

  std::string from_host;
  for (;;) {
    if (poll(watched.data(), watched.size(), -1) < 0) {
      if (errno == EINTR) continue;
      return 1;
    }
    for (std::size_t i = 1; i < watched.size(); ++i) {
      if ((watched[i].revents & POLLIN) == 0) continue;
      input_event events[16];
      const ssize_t n = read(watched[i].fd, events, sizeof(events));
      for (ssize_t k = 0; k < n / static_cast<ssize_t>(sizeof(input_event)); ++k) {
        const input_event& e = events[k];
        if (e.type == EV_SYN || e.type == EV_MSC) continue;
        // One write per event, before looking at the next: the first event of a report is what
        // the host times.
        if (!write_all(port, "e " + std::to_string(e.type) + " " + std::to_string(e.code) + " " +
                                 std::to_string(e.value) + "\n"))
          return 1;
      }
    }
    if ((watched[0].revents & POLLIN) != 0) {
      char chunk[256];
      const ssize_t n = read(port, chunk, sizeof(chunk));
      if (n <= 0) return 1;
      from_host.append(chunk, static_cast<std::size_t>(n));
      for (std::size_t end = from_host.find('\n'); end != std::string::npos; end = from_host.find('\n')) {
        if (!write_all(port, from_host.substr(0, end + 1))) return 1;
        from_host.erase(0, end + 1);
      }
    }
  }
}
