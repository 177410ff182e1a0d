// Guest program: draws the test picture of a seed on /dev/fb0, after switching the console to
// graphics mode so the text console does not draw over it (the mode stays after we exit).
// Usage: kagami-vm-fb-draw SEED
#include <fcntl.h>
#include <linux/fb.h>
#include <linux/kd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "test_pattern.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s SEED\n", argv[0]);
    return 2;
  }
  const auto seed = static_cast<std::uint32_t>(std::strtoul(argv[1], nullptr, 0));
  const int tty = open("/dev/tty0", O_RDWR);
  if (tty < 0 || ioctl(tty, KDSETMODE, KD_GRAPHICS) != 0) {
    std::fprintf(stderr, "cannot switch /dev/tty0 to KD_GRAPHICS: %s\n", std::strerror(errno));
    return 1;
  }
  close(tty);
  const int fb = open("/dev/fb0", O_RDWR);
  fb_var_screeninfo var{};
  fb_fix_screeninfo fix{};
  if (fb < 0 || ioctl(fb, FBIOGET_VSCREENINFO, &var) != 0 || ioctl(fb, FBIOGET_FSCREENINFO, &fix) != 0) {
    std::fprintf(stderr, "cannot query /dev/fb0: %s\n", std::strerror(errno));
    return 1;
  }
  if (var.bits_per_pixel != 32 || var.red.offset != 16 || var.green.offset != 8 || var.blue.offset != 0) {
    std::fprintf(stderr, "/dev/fb0 is %u bpp (red at %u), expected XRGB8888\n", var.bits_per_pixel,
                 var.red.offset);
    return 1;
  }
  const std::size_t size = static_cast<std::size_t>(fix.line_length) * var.yres;
  void* map = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fb, 0);
  if (map == MAP_FAILED) {
    std::fprintf(stderr, "cannot map /dev/fb0: %s\n", std::strerror(errno));
    return 1;
  }
  auto* base = static_cast<unsigned char*>(map);
  for (std::uint32_t y = 0; y < var.yres; ++y) {
    auto* row = reinterpret_cast<std::uint32_t*>(base + static_cast<std::size_t>(y) * fix.line_length);
    for (std::uint32_t x = 0; x < var.xres; ++x) row[x] = kagami::vm_test::pattern_pixel(x, y, seed);
  }
  munmap(map, size);
  close(fb);
  std::printf("drew seed %u on /dev/fb0 %ux%u, line length %u\n", seed, var.xres, var.yres, fix.line_length);
  return 0;
}
