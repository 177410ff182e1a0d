#pragma once
// The guest's request-activation flag (issue 11 item 7): a guest that sets it on every frame must
// not keep pulling the user's attention, let alone the keyboard focus. Acts on a rising edge only
// (the flag was clear on the frame before), at most once per interval. Pure.
#include <cstdint>

namespace kagami::client {

class ActivationLimiter {
 public:
  explicit ActivationLimiter(std::uint64_t interval_ns = 5'000'000'000ull) : interval_ns_(interval_ns) {}
  // Feed every frame's flag; true when the client should ask for attention now.
  bool on_frame(bool requested, std::uint64_t now_ns);

 private:
  std::uint64_t interval_ns_;
  bool previous_ = false;
  bool asked_before_ = false;
  std::uint64_t last_ask_ns_ = 0;
};

}  // namespace kagami::client
