#include "frame_builder.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace kagami::client::test {

using protocol::FrameType;

namespace {

std::uint32_t align(std::uint32_t v, std::uint32_t a) { return (v + a - 1) / a * a; }

std::uint16_t to_half(float f) {
  // IEEE binary16 for the small positive values used here (no NaN/inf, rounding to nearest).
  if (f <= 0.0f) return 0;
  int exponent = 0;
  const float mantissa = std::frexp(f, &exponent);  // f = mantissa * 2^exponent, mantissa in [0.5, 1)
  int e = exponent - 1 + 15;
  if (e <= 0) return static_cast<std::uint16_t>(std::lround(f / std::ldexp(1.0f, -24)));
  const auto m = static_cast<std::uint32_t>(std::lround((mantissa * 2.0f - 1.0f) * 1024.0f));
  if (m == 1024) return static_cast<std::uint16_t>((e + 1) << 10);
  return static_cast<std::uint16_t>((e << 10) | m);
}

float srgb_to_linear(float c) { return c <= 0.04045f ? c / 12.92f : std::pow((c + 0.055f) / 1.055f, 2.4f); }
float linear_to_srgb(float l) {
  l = std::clamp(l, 0.0f, 1.0f);
  return l <= 0.0031308f ? l * 12.92f : 1.055f * std::pow(l, 1.0f / 2.4f) - 0.055f;
}
// The documented SDR mapping (docs/client.md): identity up to 0.8, then t/(1+t) roll-off.
float tone_map(float x) {
  const float knee = 0.8f;
  if (x < knee) return x;
  const float t = (x - knee) / (1.0f - knee);
  return knee + (1.0f - knee) * t / (1.0f + t);
}
std::uint32_t pack(float r, float g, float b) {
  const auto q = [](float v) {
    return static_cast<std::uint32_t>(std::lround(std::clamp(v, 0.0f, 1.0f) * 255.0f));
  };
  return q(r) << 16 | q(g) << 8 | q(b);
}

}  // namespace

std::uint32_t pattern_pixel(std::uint32_t x, std::uint32_t y, std::uint32_t seed) {
  const std::uint32_t r = (x * 7 + y * 3 + seed * 41) & 255;
  const std::uint32_t g = ((x * 13) ^ (y * 5 + seed)) & 255;
  const std::uint32_t b = (x + y * 11 + seed * 97) & 255;
  return r << 16 | g << 8 | b;
}

int channel_distance(std::uint32_t a, std::uint32_t b) {
  int d = 0;
  for (int shift = 0; shift <= 16; shift += 8) {
    d = std::max(d, std::abs(static_cast<int>((a >> shift) & 255) - static_cast<int>((b >> shift) & 255)));
  }
  return d;
}

protocol::ValidatedFrame BuiltFrame::validated() const {
  protocol::ValidatedFrame v;
  const auto& d = description;
  v.format_ver = d.format_ver;
  v.frame_serial = d.frame_serial;
  v.type = d.type;
  v.screen_width = d.screen_width;
  v.screen_height = d.screen_height;
  v.data_width = d.data_width;
  v.data_height = d.data_height;
  v.frame_width = d.frame_width;
  v.frame_height = d.frame_height;
  v.rotation = d.rotation;
  v.stride = d.stride;
  v.pitch = d.pitch;
  v.flags = d.flags;
  v.damage.assign(d.damage.begin(), d.damage.end());
  v.data_size = std::uint64_t{d.data_height} * d.pitch;
  return v;
}

BuiltFrame build_frame(FrameType type, std::uint32_t width, std::uint32_t height, std::uint32_t seed,
                       std::uint32_t flags) {
  BuiltFrame f;
  auto& d = f.description;
  d.type = type;
  d.screen_width = d.frame_width = width;
  d.screen_height = d.frame_height = height;
  d.data_width = width;
  d.data_height = height;
  d.flags = flags;
  switch (type) {
    case FrameType::bgra:
    case FrameType::rgba:
    case FrameType::rgba10:
      d.stride = align(width, 64);  // a GPU copy pads rows
      d.pitch = d.stride * 4;
      break;
    case FrameType::rgba16f:
      d.stride = align(width, 32);
      d.pitch = d.stride * 8;
      d.flags |= protocol::kFrameFlagHdr;
      break;
    case FrameType::bgr_32: {
      const std::uint32_t packed_pitch = align(width * 3, 4);
      d.data_width = align(packed_pitch / 4, 64);
      d.stride = d.data_width;
      d.pitch = d.data_width * 4;
      break;
    }
    case FrameType::rgb_24:
      d.stride = align(width, 256);
      d.pitch = d.stride * 3;
      break;
    default:
      break;
  }
  f.pixels.assign(std::size_t{d.data_height} * d.pitch, std::byte{0x5a});  // padding is not black
  f.expected.resize(std::size_t{width} * height);
  for (std::uint32_t y = 0; y < height; ++y) {
    std::byte* row = f.pixels.data() + std::size_t{y} * d.pitch;
    for (std::uint32_t x = 0; x < width; ++x) {
      const std::uint32_t rgb = pattern_pixel(x, y, seed);
      const std::uint8_t r = rgb >> 16 & 255, g = rgb >> 8 & 255, b = rgb & 255;
      std::uint32_t& expected = f.expected[std::size_t{y} * width + x];
      expected = rgb;
      switch (type) {
        case FrameType::bgra: {
          const std::uint8_t px[4] = {b, g, r, 255};
          std::memcpy(row + x * 4, px, 4);
          break;
        }
        case FrameType::rgba: {
          const std::uint8_t px[4] = {r, g, b, 255};
          std::memcpy(row + x * 4, px, 4);
          break;
        }
        case FrameType::rgba10: {
          const auto expand = [](std::uint32_t c) { return (c << 2) | (c >> 6); };
          const std::uint32_t packed = expand(r) | expand(g) << 10 | expand(b) << 20 | 3u << 30;
          std::memcpy(row + x * 4, &packed, 4);
          const auto back = [&](std::uint32_t c) { return static_cast<float>(expand(c)) / 1023.0f; };
          expected = pack(back(r), back(g), back(b));
          break;
        }
        case FrameType::rgba16f: {
          // scRGB: linear light, 1.0 = SDR white. Scale by 1.5 so highlights go through the roll-off.
          float lin[3] = {srgb_to_linear(r / 255.0f) * 1.5f, srgb_to_linear(g / 255.0f) * 1.5f,
                          srgb_to_linear(b / 255.0f) * 1.5f};
          std::uint16_t half[4];
          for (int k = 0; k < 3; ++k) half[k] = to_half(lin[k]);
          half[3] = to_half(1.0f);
          std::memcpy(row + x * 8, half, 8);
          // Expected from the half values actually stored.
          float stored[3];
          for (int k = 0; k < 3; ++k) {
            const std::uint16_t h = half[k];
            const int e = h >> 10 & 31, m = h & 1023;
            stored[k] = e == 0 ? std::ldexp(static_cast<float>(m), -24)
                               : std::ldexp(1.0f + static_cast<float>(m) / 1024.0f, e - 15);
          }
          expected = pack(linear_to_srgb(tone_map(stored[0])), linear_to_srgb(tone_map(stored[1])),
                          linear_to_srgb(tone_map(stored[2])));
          break;
        }
        case FrameType::bgr_32: {
          const std::uint8_t px[3] = {b, g, r};
          std::memcpy(row + x * 3, px, 3);
          break;
        }
        case FrameType::rgb_24: {
          const std::uint8_t px[3] = {r, g, b};
          std::memcpy(row + x * 3, px, 3);
          break;
        }
        default:
          break;
      }
    }
  }
  return f;
}

}  // namespace kagami::client::test
