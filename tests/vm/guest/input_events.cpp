// Guest program: prints the input events one device receives, so host tests can check what
// reached the guest (QMP injected input, later SPICE input). Finds the device by (part of) its
// name, prints "listening <node> <name>" once it has it open, then one line per non-SYN event,
// "<type> <code> <value>" (numbers as in linux/input-event-codes.h), and "done" after COUNT events.
// Usage: kagami-vm-input-events NAME COUNT [TIMEOUT_MS]   (exit 1 on timeout)
#include <dirent.h>
#include <fcntl.h>
#include <linux/input.h>
#include <poll.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

namespace {

// The /dev/input/eventN whose device name contains `name`, or "" (with its full name in `found`).
std::string find_device(const std::string& name, std::string& found) {
  DIR* dir = opendir("/sys/class/input");
  if (dir == nullptr) return "";
  std::string node;
  while (dirent* entry = readdir(dir)) {
    const std::string event = entry->d_name;
    if (event.rfind("event", 0) != 0) continue;
    std::ifstream in("/sys/class/input/" + event + "/device/name");
    std::string device_name;
    std::getline(in, device_name);
    if (device_name.find(name) != std::string::npos) {
      node = "/dev/input/" + event;
      found = device_name;
      break;
    }
  }
  closedir(dir);
  return node;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3 || argc > 4) {
    std::fprintf(stderr, "usage: %s NAME COUNT [TIMEOUT_MS]\n", argv[0]);
    return 2;
  }
  const std::string name = argv[1];
  const long count = std::strtol(argv[2], nullptr, 10);
  const int timeout_ms = argc == 4 ? std::atoi(argv[3]) : 10000;
  std::string full_name;
  const std::string node = find_device(name, full_name);
  const int fd = node.empty() ? -1 : open(node.c_str(), O_RDONLY);
  if (fd < 0) {
    std::fprintf(stderr, "no input device named like '%s' (see /proc/bus/input/devices)\n", name.c_str());
    return 1;
  }
  std::printf("listening %s %s\n", node.c_str(), full_name.c_str());
  std::fflush(stdout);
  long seen = 0;
  while (seen < count) {
    pollfd pfd{fd, POLLIN, 0};
    if (poll(&pfd, 1, timeout_ms) <= 0) {
      std::printf("timeout after %ld of %ld events\n", seen, count);
      return 1;
    }
    input_event event{};
    if (read(fd, &event, sizeof(event)) != static_cast<ssize_t>(sizeof(event))) return 1;
    if (event.type == EV_SYN || event.type == EV_MSC) continue;
    std::printf("%u %u %d\n", event.type, event.code, event.value);
    std::fflush(stdout);
    ++seen;
  }
  std::printf("done\n");
  return 0;
}
