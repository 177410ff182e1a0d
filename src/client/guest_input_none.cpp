// Built when the SPICE layer (src/spice) is not: the client shows the guest and forwards nothing.
#include "client/guest_input.h"

namespace kagami::client {

std::unique_ptr<GuestInput> start_guest_input(const Options&) {
  return view_only_guest_input(
      "view-only: this kagami-client was built without SPICE; keyboard and mouse stay on this machine");
}

}  // namespace kagami::client
