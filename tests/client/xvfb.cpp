#include "xvfb.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xcb/xcb.h>

#include <cstdlib>
#include <stdexcept>
#include <string>

namespace kagami::client::test {

Xvfb::Xvfb(int width, int height) {
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);  // dies with the test/bench, even when that is killed
    close(fds[0]);
    const int devnull = open("/dev/null", O_RDWR);
    dup2(devnull, 0);
    dup2(devnull, 1);
    dup2(devnull, 2);
    const std::string fd = std::to_string(fds[1]);
    const std::string screen = std::to_string(width) + "x" + std::to_string(height) + "x24";
    execlp("Xvfb", "Xvfb", "-displayfd", fd.c_str(), "-screen", "0", screen.c_str(), "-noreset", "-nolisten",
           "tcp", static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  std::string number;
  pollfd p{fds[0], POLLIN, 0};
  while (poll(&p, 1, 10000) > 0) {
    char c;
    if (read(fds[0], &c, 1) != 1 || c == '\n') break;
    number += c;
  }
  close(fds[0]);
  if (number.empty()) {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
    throw std::runtime_error("Xvfb did not start (is the xvfb package installed?)");
  }
  display_ = ":" + number;
}

Xvfb::~Xvfb() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
}

XImage read_root(const std::string& display, int x, int y, int width, int height) {
  XImage image;
  xcb_connection_t* c = xcb_connect(display.c_str(), nullptr);
  if (xcb_connection_has_error(c)) {
    xcb_disconnect(c);
    throw std::runtime_error("cannot connect to " + display);
  }
  xcb_screen_t* screen = xcb_setup_roots_iterator(xcb_get_setup(c)).data;
  auto cookie = xcb_get_image(c, XCB_IMAGE_FORMAT_Z_PIXMAP, screen->root, static_cast<int16_t>(x),
                              static_cast<int16_t>(y), static_cast<uint16_t>(width),
                              static_cast<uint16_t>(height), ~0u);
  xcb_get_image_reply_t* reply = xcb_get_image_reply(c, cookie, nullptr);
  if (reply) {
    // Depth 24 on Xvfb: 32 bits per pixel, little-endian BGRX.
    const auto* data = reinterpret_cast<const std::uint32_t*>(xcb_get_image_data(reply));
    const int count = xcb_get_image_data_length(reply) / 4;
    image.width = width;
    image.height = height;
    image.pixels.assign(data, data + std::min(count, width * height));
    for (auto& p : image.pixels) p &= 0xFFFFFF;
    image.pixels.resize(static_cast<std::size_t>(width) * height, 0);
    free(reply);
  }
  xcb_disconnect(c);
  return image;
}

}  // namespace kagami::client::test
