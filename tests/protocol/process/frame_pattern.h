#pragma once
// The demo's frame content: every 32-bit word is a function of the frame serial and its index,
// so a reader can tell a complete frame from a torn one (rows of two different frames).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "protocol/kvmfr_host.h"

namespace kagami::test {

inline std::uint32_t pattern_word(std::uint32_t serial, std::size_t index) {
  return (serial * 0x9E3779B1u) ^ static_cast<std::uint32_t>(index * 2654435761u);
}

// Writes the frame in 1 MiB chunks, advancing the write pointer after each (as the agent does).
inline void fill_frame(protocol::FrameWrite& write, std::uint32_t serial) {
  const std::span<std::byte> pixels = write.pixels();
  const std::size_t words = pixels.size() / 4;
  constexpr std::size_t kChunkWords = (1 << 20) / 4;
  std::uint32_t* out = reinterpret_cast<std::uint32_t*>(pixels.data());
  for (std::size_t start = 0; start < words; start += kChunkWords) {
    const std::size_t end = std::min(words, start + kChunkWords);
    for (std::size_t i = start; i < end; ++i) out[i] = pattern_word(serial, i);
    write.advance(end * 4);
  }
  write.finish();
}

inline bool frame_matches(std::span<const std::byte> pixels, std::uint32_t serial) {
  const std::size_t words = pixels.size() / 4;
  for (std::size_t i = 0; i < words; ++i) {
    std::uint32_t w;
    std::memcpy(&w, pixels.data() + i * 4, 4);
    if (w != pattern_word(serial, i)) return false;
  }
  return true;
}

}  // namespace kagami::test
