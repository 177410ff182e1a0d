#pragma once
// The metadata of a PipeWire video buffer, read defensively (its sizes and offsets come from
// another process): SPA_META_Cursor into a KVMFR cursor update, SPA_META_VideoDamage into rects.
// Pure functions over the metadata's bytes, so they are unit-tested without PipeWire running.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "capture/capture.h"
#include "protocol/kvmfr_cursor.h"

namespace kagami::capture {

// A spa_meta_cursor of `size` bytes: nullopt when too small. Position is the shape's top-left
// corner (pointer minus hotspot), as KVMFR wants it; id 0 = no cursor (hidden). The shape is set
// when the metadata carries a bitmap (BGRA or RGBA, at most 512x512 kept) that fits in `size`.
std::optional<protocol::CursorUpdate> cursor_from_meta(const void* data, std::size_t size);

// The spa_meta_region list of `size` bytes (ends at the first empty region), clipped to the
// frame, added to `rects`. False when `data` is null (the buffer had no damage metadata).
bool damage_from_meta(const void* data, std::size_t size, std::uint32_t width, std::uint32_t height,
                      std::vector<Rect>& rects);

}  // namespace kagami::capture
