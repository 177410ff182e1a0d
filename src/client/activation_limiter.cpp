#include "client/activation_limiter.h"

namespace kagami::client {

bool ActivationLimiter::on_frame(bool requested, std::uint64_t now_ns) {
  const bool rising = requested && !previous_;
  previous_ = requested;
  if (!rising) return false;
  if (asked_before_ && now_ns - last_ask_ns_ < interval_ns_) return false;
  asked_before_ = true;
  last_ask_ns_ = now_ns;
  return true;
}

}  // namespace kagami::client
