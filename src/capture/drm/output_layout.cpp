#include "capture/drm/output_layout.h"

#include <algorithm>

namespace kagami::capture {

OutputLayout layout_outputs(const std::vector<CrtcView>& crtcs) {
  OutputLayout out;
  const bool one_buffer = !crtcs.empty() && std::all_of(crtcs.begin(), crtcs.end(), [&](const CrtcView& c) {
    return c.buffer_id == crtcs.front().buffer_id;
  });
  std::uint32_t next_x = 0;
  for (const CrtcView& c : crtcs) {
    protocol::OutputRect r{0, 0, c.width, c.height};
    if (one_buffer) {
      r.x = static_cast<std::int32_t>(std::min<std::uint32_t>(c.x, protocol::kMaxDesktopCoordinate));
      r.y = static_cast<std::int32_t>(std::min<std::uint32_t>(c.y, protocol::kMaxDesktopCoordinate));
    } else {
      r.x = static_cast<std::int32_t>(std::min<std::uint32_t>(next_x, protocol::kMaxDesktopCoordinate));
      next_x += c.width;
    }
    out.outputs.push_back(r);
  }
  if (out.outputs.empty()) return out;
  std::int64_t left = out.outputs.front().x, top = out.outputs.front().y, right = left, bottom = top;
  for (const protocol::OutputRect& r : out.outputs) {
    left = std::min<std::int64_t>(left, r.x);
    top = std::min<std::int64_t>(top, r.y);
    right = std::max<std::int64_t>(right, std::int64_t{r.x} + r.width);
    bottom = std::max<std::int64_t>(bottom, std::int64_t{r.y} + r.height);
  }
  out.desktop = {static_cast<std::int32_t>(left), static_cast<std::int32_t>(top),
                 static_cast<std::uint32_t>(right - left), static_cast<std::uint32_t>(bottom - top)};
  return out;
}

}  // namespace kagami::capture
