#include "capture/portal/spa_meta.h"

#include <spa/buffer/meta.h>
#include <spa/param/video/raw.h>

#include <algorithm>
#include <cstring>

#include "capture/rects.h"

namespace kagami::capture {

namespace {

// The metadata may sit at any offset: copied out, never cast in place.
template <class T>
bool read_at(const void* data, std::size_t size, std::size_t offset, T* out) {
  if (offset > size || size - offset < sizeof(T)) return false;
  std::memcpy(out, static_cast<const std::uint8_t*>(data) + offset, sizeof(T));
  return true;
}

std::optional<protocol::CursorShape> shape_from_bitmap(const void* data, std::size_t size, std::size_t at,
                                                       const spa_meta_cursor& cursor) {
  spa_meta_bitmap bitmap{};
  if (!read_at(data, size, at, &bitmap)) return std::nullopt;
  int red = 0, blue = 0;  // byte positions in a source pixel
  switch (bitmap.format) {
    case SPA_VIDEO_FORMAT_BGRA:
      red = 2, blue = 0;
      break;
    case SPA_VIDEO_FORMAT_RGBA:
      red = 0, blue = 2;
      break;
    default:
      return std::nullopt;
  }
  const std::uint32_t w = std::min<std::uint32_t>(bitmap.size.width, 512);
  const std::uint32_t h = std::min<std::uint32_t>(bitmap.size.height, 512);
  if (w == 0 || h == 0 || bitmap.stride < 0 || static_cast<std::uint32_t>(bitmap.stride) < w * 4)
    return std::nullopt;
  const std::size_t stride = static_cast<std::size_t>(bitmap.stride);
  const std::size_t pixels = at + bitmap.offset;
  if (pixels > size || size - pixels < stride * (h - 1) + std::size_t{w} * 4) return std::nullopt;

  protocol::CursorShape shape;
  shape.type = protocol::CursorType::color;
  shape.width = w;
  shape.height = h;
  shape.pitch = w * 4;
  shape.hotspot_x = static_cast<std::int8_t>(std::clamp(cursor.hotspot.x, 0, 127));
  shape.hotspot_y = static_cast<std::int8_t>(std::clamp(cursor.hotspot.y, 0, 127));
  shape.data.resize(std::size_t{w} * h * 4);
  const auto* source = static_cast<const std::uint8_t*>(data) + pixels;
  for (std::uint32_t y = 0; y < h; ++y) {
    for (std::uint32_t x = 0; x < w; ++x) {
      const std::uint8_t* in = source + y * stride + std::size_t{x} * 4;
      std::uint8_t* out = &shape.data[(std::size_t{y} * w + x) * 4];
      out[0] = in[blue];  // KVMFR COLOR: B, G, R, A
      out[1] = in[1];
      out[2] = in[red];
      out[3] = in[3];
    }
  }
  return shape;
}

}  // namespace

std::optional<protocol::CursorUpdate> cursor_from_meta(const void* data, std::size_t size) {
  spa_meta_cursor cursor{};
  if (!data || !read_at(data, size, 0, &cursor)) return std::nullopt;
  protocol::CursorUpdate update;
  update.has_position = true;
  update.visible = cursor.id != 0;
  if (cursor.bitmap_offset >= sizeof(spa_meta_cursor)) {
    update.shape = shape_from_bitmap(data, size, cursor.bitmap_offset, cursor);
  }
  const int hx = update.shape ? update.shape->hotspot_x : std::clamp(cursor.hotspot.x, 0, 127);
  const int hy = update.shape ? update.shape->hotspot_y : std::clamp(cursor.hotspot.y, 0, 127);
  update.x = static_cast<std::int16_t>(std::clamp(cursor.position.x - hx, -32768, 32767));
  update.y = static_cast<std::int16_t>(std::clamp(cursor.position.y - hy, -32768, 32767));
  return update;
}

bool damage_from_meta(const void* data, std::size_t size, std::uint32_t width, std::uint32_t height,
                      std::vector<Rect>& rects) {
  if (!data) return false;
  spa_meta_region r{};
  for (std::size_t at = 0; read_at(data, size, at, &r); at += sizeof r) {
    if (r.region.size.width == 0 || r.region.size.height == 0) break;
    add_rect(rects, clip(Rect{static_cast<std::uint32_t>(std::max(r.region.position.x, 0)),
                              static_cast<std::uint32_t>(std::max(r.region.position.y, 0)),
                              r.region.size.width, r.region.size.height},
                         width, height));
  }
  return true;
}

}  // namespace kagami::capture
