#pragma once
// What the client benchmarks publish: full-screen motion (every pixel changes every frame) with
// the latency marker stamped into each frame as an agent would, the marker first so the client can
// show it as soon as the write pointer passes it, the rest progressively.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "e2e_harness.h"

namespace kagami::bench {

// A diagonal BGRA gradient moved by `step` pixels: width x height, pitch width * 4.
std::vector<std::byte> motion_frame(int step, std::uint32_t width, std::uint32_t height);

// Posts `pixels` (width x height BGRA, as motion_frame makes) through `agent` with marker `frame`,
// in kFrameBufferChunk steps. Returns when the agent started writing (the marker's timestamp).
std::uint64_t publish_marked_frame(client::test::TestAgent& agent, const std::vector<std::byte>& pixels,
                                   std::uint32_t width, std::uint32_t height, std::uint32_t frame);

}  // namespace kagami::bench
