#pragma once
// The pointer in window points -> guest desktop pixels through the last drawn layout, for the
// guest input (absolute SPICE positions).
#include "client/guest_input.h"
#include "client/layout.h"
#include "client/renderer.h"
#include "client/window.h"

namespace kagami::client {

class WindowPointerMap final : public GuestPointerMap {
 public:
  WindowPointerMap(const Window& window, const Renderer& renderer, const Layout& layout)
      : window_(window), renderer_(renderer), layout_(layout) {}
  bool window_to_guest(int window_x, int window_y, int& guest_x, int& guest_y) const override;

 private:
  const Window& window_;
  const Renderer& renderer_;
  const Layout& layout_;
};

}  // namespace kagami::client
