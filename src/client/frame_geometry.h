#pragma once
// Guest desktop pixels <-> window pixels through a frame's geometry (renderer.h) and the layout:
// the cursor is drawn with it and the pointer is sent to the guest with its inverse. Pure.
#include "client/layout.h"
#include "client/renderer.h"

namespace kagami::client {

// Window pixel of a guest desktop point, for this geometry and layout.
void guest_to_window(const FrameGeometry& g, const Layout& layout, double gx, double gy, double& wx,
                     double& wy);
// The inverse: the guest desktop point under a window pixel; false outside the image.
bool window_to_guest(const FrameGeometry& g, const Layout& layout, double wx, double wy, double& gx,
                     double& gy);

}  // namespace kagami::client
