// The stand-in for input that does not reach the guest (no SPICE built, SPICE off, or its
// connection refused): forwards nothing and says why.
#include <utility>

#include "client/guest_input.h"

namespace kagami::client {
namespace {

class ViewOnly final : public GuestInput {
 public:
  explicit ViewOnly(std::string why) : why_(std::move(why)) {}
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
  std::string note() const override { return why_; }

 private:
  std::string why_;
};

}  // namespace

std::unique_ptr<GuestInput> view_only_guest_input(std::string why) {
  return std::make_unique<ViewOnly>(std::move(why));
}

}  // namespace kagami::client
