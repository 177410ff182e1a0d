#pragma once
#include <chrono>
#include <thread>

namespace kagami::client::test {

template <class Pred>
XImage read_root_until(const std::string& display, int x, int y, int width, int height, Pred done,
                       int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  XImage image = read_root(display, x, y, width, height);
  while (!done(image) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    image = read_root(display, x, y, width, height);
  }
  return image;
}

}  // namespace kagami::client::test
