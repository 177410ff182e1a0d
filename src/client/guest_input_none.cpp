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
  void send_combo(const std::vector<SDL_Scancode>&) override {}
  void set_input_enabled(bool) override {}
  void set_mouse_sensitivity(int) override {}
  void set_volume(unsigned) override {}
  void set_mute(bool) override {}
  void set_microphone(bool) override {}
  std::string note() const override {
    return "view-only: this kagami-client was built without SPICE; keyboard and mouse stay on this machine";
  }
};

}  // namespace

std::unique_ptr<GuestInput> start_guest_input(const Options&) { return std::make_unique<ViewOnly>(); }

}  // namespace kagami::client
