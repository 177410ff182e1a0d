#pragma once
// What the client benchmarks publish: full-screen motion (every pixel changes every frame) with
// the latency marker stamped into each frame's bottom-left corner, written top to bottom as an
// agent writes, in kFrameBufferChunk steps. The marker is in the last rows written, so a probe
// that sees it sees the whole frame: latency is measured to the last pixel, also when a client
// shows the upper rows of a frame before the rest has arrived.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "e2e_harness.h"

namespace kagami::bench {

// A diagonal BGRA gradient moved by `step` pixels: width x height, pitch width * 4.
std::vector<std::byte> motion_frame(int step, std::uint32_t width, std::uint32_t height);

// The marker's top row in a frame `height` rows high.
std::uint32_t marker_row(std::uint32_t height);

// Posts `pixels` (width x height BGRA, as motion_frame makes) through `agent` with marker `frame`.
// Returns when the agent started writing (the marker's timestamp).
std::uint64_t publish_marked_frame(client::test::TestAgent& agent, const std::vector<std::byte>& pixels,
                                   std::uint32_t width, std::uint32_t height, std::uint32_t frame);

}  // namespace kagami::bench
