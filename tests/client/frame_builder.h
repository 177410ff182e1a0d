#pragma once
// Test support: frames of every KVMFR type built from one known RGB pattern, laid out the way
// the reference (kvmfr-v20.md §4) says an agent writes them, and the pixels the client must show.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "protocol/kvmfr_frame.h"
#include "protocol/kvmfr_host.h"

namespace kagami::client::test {

// The guest image: 8-bit sRGB, 0x00RRGGBB.
std::uint32_t pattern_pixel(std::uint32_t x, std::uint32_t y, std::uint32_t seed = 0);

struct BuiltFrame {
  protocol::FrameDescription description;      // for KvmfrHost::post_frame
  std::vector<std::byte> pixels;               // data_height * pitch bytes
  std::vector<std::uint32_t> expected;         // frame_width * frame_height RGB the window must show
  protocol::ValidatedFrame validated() const;  // what the session hands the renderer
};

// Every pixel of a width x height image from pattern_pixel(seed) in `type`; the expected colours
// are what a correct renderer shows at 1:1 with nearest filtering (HDR tone mapped to SDR).
BuiltFrame build_frame(protocol::FrameType type, std::uint32_t width, std::uint32_t height,
                       std::uint32_t seed = 0, std::uint32_t flags = 0);

// Channel distance of two RGB pixels (max over channels).
int channel_distance(std::uint32_t a, std::uint32_t b);

}  // namespace kagami::client::test
