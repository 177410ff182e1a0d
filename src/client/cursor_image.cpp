#include "client/cursor_image.h"

#include <fmt/format.h>

namespace kagami::client {

using protocol::CursorType;

Result<CursorImage> make_cursor_image(const protocol::CursorShape& s) {
  CursorImage image;
  const bool mono = s.type == CursorType::monochrome;
  const std::uint64_t min_pitch = mono ? (std::uint64_t{s.width} + 7) / 8 : std::uint64_t{s.width} * 4;
  if (s.width == 0 || s.height == 0 || s.width > 512 || s.height > (mono ? 1024u : 512u) ||
      s.pitch < min_pitch || std::uint64_t{s.height} * s.pitch > s.data.size() ||
      (mono && s.height % 2 != 0)) {
    return Error{fmt::format("cursor shape {}x{} pitch {} with {} bytes is inconsistent; ignored", s.width,
                             s.height, s.pitch, s.data.size())};
  }
  image.width = s.width;
  image.height = mono ? s.height / 2 : s.height;
  const std::size_t pixels = std::size_t{image.width} * image.height;
  image.blend.assign(pixels * 4, 0);
  image.invert.assign(pixels * 4, 0);

  for (std::uint32_t y = 0; y < image.height; ++y) {
    for (std::uint32_t x = 0; x < image.width; ++x) {
      std::uint8_t* b = &image.blend[(std::size_t{y} * image.width + x) * 4];
      std::uint8_t* v = &image.invert[(std::size_t{y} * image.width + x) * 4];
      if (mono) {
        const auto bit = [&](std::uint32_t row) {
          return (s.data[std::size_t{row} * s.pitch + x / 8] >> (7 - x % 8)) & 1;
        };
        const int and_bit = bit(y), xor_bit = bit(y + image.height);
        if (and_bit == 0) {
          const std::uint8_t c = xor_bit ? 255 : 0;
          b[0] = b[1] = b[2] = c;
          b[3] = 255;
        } else if (xor_bit) {
          v[0] = v[1] = v[2] = 255;
          image.has_invert = true;
        }
        continue;
      }
      const std::uint8_t* p = &s.data[std::size_t{y} * s.pitch + std::size_t{x} * 4];  // B, G, R, A
      if (s.type == CursorType::masked_color && p[3] != 0) {
        v[0] = p[2];
        v[1] = p[1];
        v[2] = p[0];
        image.has_invert = image.has_invert || p[0] || p[1] || p[2];
      } else {
        b[0] = p[2];
        b[1] = p[1];
        b[2] = p[0];
        b[3] = s.type == CursorType::masked_color ? 255 : p[3];
      }
    }
  }
  return image;
}

}  // namespace kagami::client
