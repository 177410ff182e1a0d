#pragma once
// Synthetic keyboard and pointer input on an X server through the XTEST extension, from this
// process (no xdotool child per event: its start-up would sit inside the measured latency).
// Each injection returns the host time taken just before the request leaves for the server.
#include <xcb/xcb.h>

#include <cstdint>
#include <memory>
#include <string>

#include "common/result.h"

namespace kagami::bench {

class XTestInput {
 public:
  // Connects to `display` and checks that the server has XTEST.
  static Result<std::unique_ptr<XTestInput>> connect(const std::string& display);
  ~XTestInput();
  XTestInput(const XTestInput&) = delete;
  XTestInput& operator=(const XTestInput&) = delete;

  // The keycode the server's keyboard map gives `keysym` (e.g. 0x61 for 'a').
  Result<std::uint8_t> keycode_for(std::uint32_t keysym);
  // Press or release one key; returns monotonic_ns() just before the request is flushed.
  std::uint64_t key(std::uint8_t keycode, bool press);
  // Moves the pointer to root-window (x, y); returns monotonic_ns() just before the flush.
  std::uint64_t move_to(int x, int y);
  // A round trip: every request sent before has been processed by the server.
  Result<void> sync();

 private:
  explicit XTestInput(xcb_connection_t* connection, xcb_window_t root)
      : connection_(connection), root_(root) {}
  xcb_connection_t* connection_;
  xcb_window_t root_;
};

}  // namespace kagami::bench
