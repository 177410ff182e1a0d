// Guest program: the smallest SPICE guest agent, for the pointer of a guest with several heads.
// spice-server allows the absolute (client) mouse with one display only, unless a guest agent is
// attached: then every pointer position goes to the agent, with the display it lies on, instead
// of to QEMU's USB tablet. A real spice-vdagent needs X; this one opens the agent port
// (virtio-serial "com.redhat.spice.0"), announces the mouse capability, and prints each mouse
// state the server sends as "mouse DISPLAY X Y BUTTONS", so a test sees where a click landed.
//
// Usage: kagami-vm-vdagent-mouse COUNT TIMEOUT_MS
// Prints "listening PORT", then a line per mouse state, then "done" after COUNT of them, or
// "timeout after N of COUNT" when TIMEOUT_MS pass first.
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <spice/vd_agent.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

// The /dev node of the virtio-serial port named `name` (/sys/class/virtio-ports/vportNpM/name).
std::string find_port(const char* name) {
  DIR* dir = opendir("/sys/class/virtio-ports");
  if (dir == nullptr) return "";
  std::string found;
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    const std::string path = std::string("/sys/class/virtio-ports/") + entry->d_name + "/name";
    FILE* f = std::fopen(path.c_str(), "r");
    char text[128] = {};
    if (f != nullptr && std::fgets(text, sizeof(text), f) != nullptr) {
      text[std::strcspn(text, "\n")] = '\0';
      if (std::strcmp(text, name) == 0) found = std::string("/dev/") + entry->d_name;
    }
    if (f != nullptr) std::fclose(f);
  }
  closedir(dir);
  return found;
}

bool write_all(int fd, const void* data, std::size_t size) {
  const auto* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s COUNT TIMEOUT_MS\n", argv[0]);
    return 2;
  }
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  const long count = std::strtol(argv[1], nullptr, 10);
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(std::strtol(argv[2], nullptr, 10));
  const std::string port = find_port("com.redhat.spice.0");
  const int fd = port.empty() ? -1 : open(port.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    std::fprintf(stderr,
                 "no SPICE agent port com.redhat.spice.0 (virtio_console, -device virtserialport): %s\n",
                 std::strerror(errno));
    return 1;
  }
  // One chunk: the capabilities announcement (mouse state only; no reply requested). Not needed
  // for the mouse states (the server sends them once the port is open), but what an agent says first.
  VDIChunkHeader hello_chunk{};
  VDAgentMessage hello_message{};
  const uint32_t announce[2] = {0, 1u << VD_AGENT_CAP_MOUSE_STATE};  // request = 0, caps[0]
  hello_chunk.port = VDP_CLIENT_PORT;  // for the client, as a real agent announces itself
  hello_chunk.size = sizeof(hello_message) + sizeof(announce);
  hello_message.protocol = VD_AGENT_PROTOCOL;
  hello_message.type = VD_AGENT_ANNOUNCE_CAPABILITIES;
  hello_message.size = sizeof(announce);
  char hello[sizeof(hello_chunk) + sizeof(hello_message) + sizeof(announce)];
  std::memcpy(hello, &hello_chunk, sizeof(hello_chunk));
  std::memcpy(hello + sizeof(hello_chunk), &hello_message, sizeof(hello_message));
  std::memcpy(hello + sizeof(hello_chunk) + sizeof(hello_message), announce, sizeof(announce));
  if (!write_all(fd, hello, sizeof(hello))) {
    std::fprintf(stderr, "cannot write to %s: %s\n", port.c_str(), std::strerror(errno));
    return 1;
  }
  std::printf("listening %s\n", port.c_str());

  // The stream from the server: chunks (header + data) carrying messages (header + payload).
  std::string buffer;
  long seen = 0;
  while (seen < count) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};
    if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) <= 0) {
      std::printf("timeout after %ld of %ld\n", seen, count);
      return 1;
    }
    char data[4096];
    const ssize_t n = read(fd, data, sizeof(data));
    if (n <= 0) continue;
    buffer.append(data, static_cast<std::size_t>(n));
    // Mouse states are small and come one message per chunk; other messages are skipped whole.
    while (buffer.size() >= sizeof(VDIChunkHeader)) {
      VDIChunkHeader chunk;
      std::memcpy(&chunk, buffer.data(), sizeof(chunk));
      if (buffer.size() < sizeof(chunk) + chunk.size) break;
      if (chunk.size >= sizeof(VDAgentMessage)) {
        VDAgentMessage message;
        std::memcpy(&message, buffer.data() + sizeof(chunk), sizeof(message));
        if (message.type == VD_AGENT_MOUSE_STATE &&
            chunk.size >= sizeof(message) + sizeof(VDAgentMouseState)) {
          VDAgentMouseState mouse;
          std::memcpy(&mouse, buffer.data() + sizeof(chunk) + sizeof(message), sizeof(mouse));
          std::printf("mouse %u %u %u %u\n", mouse.display_id, mouse.x, mouse.y, mouse.buttons);
          ++seen;
        }
      }
      buffer.erase(0, sizeof(chunk) + chunk.size);
    }
  }
  std::printf("done\n");
  return 0;
}
