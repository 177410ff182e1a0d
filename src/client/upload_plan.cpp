#include "client/upload_plan.h"

#include <algorithm>

namespace kagami::client {

using protocol::FrameType;

std::vector<UploadBand> plan_upload(const protocol::ValidatedFrame& f, bool full) {
  std::vector<UploadBand> bands;
  // The session validated these; the plan still never reaches past a row or past data_size,
  // whatever it is given, because the bands become reads from guest memory.
  const std::uint32_t bpp = protocol::bytes_per_texel(f.type);
  if (bpp == 0 || f.pitch == 0) return bands;
  const auto texels = static_cast<std::uint32_t>(std::min<std::uint64_t>(f.data_width, f.pitch / bpp));
  const auto rows = static_cast<std::uint32_t>(std::min<std::uint64_t>(f.data_height, f.data_size / f.pitch));
  if (texels == 0 || rows == 0) return bands;
  const auto ready_at = [&](std::uint64_t end_row) { return std::min(end_row * f.pitch, f.data_size); };

  if (full || f.damage.empty()) {
    const std::uint32_t band_rows =
        static_cast<std::uint32_t>(std::max<std::uint64_t>(1, kFullUploadBandBytes / f.pitch));
    for (std::uint32_t y = 0; y < rows; y += band_rows) {
      const std::uint32_t h = std::min(band_rows, rows - y);
      bands.push_back({0, y, texels, h, ready_at(std::uint64_t{y} + h)});
    }
    return bands;
  }

  for (const auto& r : f.damage) {
    // 64-bit: the rects were validated, but the texel conversion must not wrap either way.
    std::uint64_t x0 = r.x, x1 = std::uint64_t{r.x} + r.width;
    if (f.type == FrameType::bgr_32) {
      // Three bytes per pixel packed into 4-byte texels: the texels holding bytes [3*x0, 3*x1).
      const std::uint64_t first = x0 * 3 / 4;
      x1 = (x1 * 3 + 3) / 4;
      x0 = first;
    }
    const std::uint64_t y0 = r.y, y1 = std::uint64_t{r.y} + r.height;
    x1 = std::min<std::uint64_t>(x1, texels);
    const std::uint64_t y_end = std::min<std::uint64_t>(y1, rows);
    if (x0 >= x1 || y0 >= y_end) continue;
    bands.push_back({static_cast<std::uint32_t>(x0), static_cast<std::uint32_t>(y0),
                     static_cast<std::uint32_t>(x1 - x0), static_cast<std::uint32_t>(y_end - y0),
                     ready_at(y_end)});
  }
  std::stable_sort(bands.begin(), bands.end(),
                   [](const UploadBand& a, const UploadBand& b) { return a.y + a.height < b.y + b.height; });
  return bands;
}

}  // namespace kagami::client
