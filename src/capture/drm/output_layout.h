#pragma once
// Where each active CRTC of a DRM device lies in the guest's desktop, for the output record
// (protocol/kvmfr_output.h). DRM itself has no desktop; what it does tell:
//   - CRTCs that all scan out one framebuffer (Xorg's modesetting driver: one desktop-wide buffer,
//     each CRTC showing its part) lie where their viewports start in it;
//   - CRTCs with buffers of their own (Wayland compositors, one buffer per output) carry no
//     position: kagami assumes them side by side in CRTC order, top-aligned (what X and most
//     compositors do by default), and docs/agent.md says so.
// Pure; unit-tested.
#include <cstdint>
#include <vector>

#include "protocol/kvmfr_output.h"

namespace kagami::capture {

struct CrtcView {
  std::uint32_t buffer_id = 0;          // the framebuffer it scans out
  std::uint32_t x = 0, y = 0;           // where its viewport starts in that buffer
  std::uint32_t width = 0, height = 0;  // its mode
};

struct OutputLayout {
  std::vector<protocol::OutputRect> outputs;  // one per CRTC, in order
  protocol::OutputRect desktop;               // their bounding box
};

OutputLayout layout_outputs(const std::vector<CrtcView>& crtcs);

}  // namespace kagami::capture
