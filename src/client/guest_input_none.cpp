// Built when the SPICE layer (src/spice) is not: the client shows the guest and forwards nothing.
#include "client/guest_input.h"

namespace kagami::client {
namespace {

class ViewOnly final : public GuestInput {
 public:
  void key(SDL_Scancode, bool) override {}
  void event(const SDL_Event&, const GuestPointerMap&) override {}
  void set_captured(bool) override {}
  void release_all() override {}
  std::string note() const override {
    return "view-only: this kagami-client was built without SPICE; keyboard and mouse stay on this machine";
  }
};

}  // namespace

std::unique_ptr<GuestInput> start_guest_input(const Options&) { return std::make_unique<ViewOnly>(); }

}  // namespace kagami::client
