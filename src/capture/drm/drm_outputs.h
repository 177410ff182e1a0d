#pragma once
// `--output` for the drm backend: the active CRTCs (each showing a framebuffer), named after the
// connector they drive ("Virtual-1"), and the one picked by name or index.
#include <xf86drmMode.h>

#include <cstdint>
#include <string>

#include "common/result.h"
#include "protocol/kvmfr_output.h"

namespace kagami::capture {

struct DrmOutput {
  std::uint32_t crtc_id = 0;
  protocol::OutputInfo info;
};

// DRM does not know where the compositor puts each output in its desktop; kagami assumes them
// side by side in CRTC order, top-aligned (what X and most compositors do by default), and says
// so in docs/agent.md.
Result<DrmOutput> pick_drm_output(int fd, const drmModeRes& resources, const std::string& which);

}  // namespace kagami::capture
