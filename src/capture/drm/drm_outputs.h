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

// The output's place in the desktop: output_layout.h.
Result<DrmOutput> pick_drm_output(int fd, const drmModeRes& resources, const std::string& which);

}  // namespace kagami::capture
