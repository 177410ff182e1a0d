#pragma once
// Test support: a private Xvfb on a free display (-displayfd) and window read-back through
// xcb GetImage, the way a user's screen would be checked.
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace kagami::client::test {

class Xvfb {
 public:
  // Starts `Xvfb -displayfd N -screen 0 WxHx24 -noreset`; throws on failure (tests only).
  explicit Xvfb(int width = 1920, int height = 1080);
  ~Xvfb();
  const std::string& display() const { return display_; }  // ":N"

 private:
  pid_t pid_ = -1;
  std::string display_;
};

// An RGB image read from the X server: pixel = 0x00RRGGBB.
struct XImage {
  int width = 0, height = 0;
  std::vector<std::uint32_t> pixels;
  std::uint32_t at(int x, int y) const { return pixels[static_cast<std::size_t>(y) * width + x]; }
};

// Reads a rectangle of the root window (no window manager: windows sit where they were put).
XImage read_root(const std::string& display, int x, int y, int width, int height);

// Polls read_root until `done(image)` or timeout; returns the last image.
template <class Pred>
XImage read_root_until(const std::string& display, int x, int y, int width, int height, Pred done,
                       int timeout_ms = 5000);

}  // namespace kagami::client::test

#include "xvfb_inl.h"
