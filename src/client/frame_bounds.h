#pragma once
// What the client is willing to allocate for a frame (issue 11 item 2): the guest is untrusted,
// and a frame may declare 16384x16384 while carrying 64x64 rows. Pure.
#include <cstdint>
#include <string>

#include "protocol/kvmfr_frame.h"

namespace kagami::client {

struct FrameLimits {
  std::uint32_t max_texture_size = 4096;  // the device's largest texture side
  std::uint64_t texture_budget = 0;       // bytes for the frame texture (half the memory budget)
};

// The texture a frame needs as FrameTexture/the Vulkan image sizes it: at least the frame (rows
// a truncated frame lacks show black) and all the data it carries.
std::uint64_t frame_texture_bytes(const protocol::ValidatedFrame& frame);

// Crops `frame` in place so its texture fits the limits: past the budget it is shown as what
// arrived (the data's own size); past the device limit, the top-left part that fits. The
// damage is clipped by the upload plan; the guest desktop size shrinks in proportion, so the
// cursor still lands on the same image pixel. Returns "" when nothing was cut, else the status
// line for the user.
std::string bound_frame(protocol::ValidatedFrame& frame, const FrameLimits& limits);

}  // namespace kagami::client
