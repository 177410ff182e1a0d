#pragma once
// Which texels of a frame to upload, in which order, and how many pixel bytes the agent must
// have written (the progressive write pointer) before each piece may be read. Pure.
#include <cstdint>
#include <vector>

#include "protocol/kvmfr_frame.h"

namespace kagami::client {

struct UploadBand {
  std::uint32_t x = 0, y = 0, width = 0, height = 0;  // buffer texels and rows
  std::uint64_t ready_bytes = 0;                      // wait until wp >= this before reading
};

// Rows per band of a full upload: about 256 KiB, so the first rows go to the GPU while the
// agent still writes the rest.
inline constexpr std::uint64_t kFullUploadBandBytes = 256 * 1024;

// full: the whole buffer in bands, top to bottom. Otherwise the frame's damage rects (frame
// pixels; BGR_32 converted to texels as the reference §4 says), clamped to the buffer, ordered by
// their last row so the wait for each is monotonic. Empty damage means full.
std::vector<UploadBand> plan_upload(const protocol::ValidatedFrame& frame, bool full);

}  // namespace kagami::client
