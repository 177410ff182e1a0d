#include "capture/dxgi/dxgi_convert.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>

namespace kagami::capture::dxgi {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool contains_ci(std::string_view haystack, std::string_view needle) {
  return lower(haystack).find(lower(needle)) != std::string::npos;
}

std::string describe(const OutputInfo& o) {
  return fmt::format("{} on \"{}\" (adapter {}, output {})", o.device_name, o.adapter, o.adapter_index,
                     o.output_index);
}

}  // namespace

Result<PixelLayout> pixel_layout(Format format, ColorSpace color_space) {
  switch (format) {
    case Format::b8g8r8a8_unorm:
      return PixelLayout{protocol::FrameType::bgra, 4, false, false};
    case Format::r8g8b8a8_unorm:
      return PixelLayout{protocol::FrameType::rgba, 4, false, false};
    case Format::r10g10b10a2_unorm: {
      const bool pq = color_space == ColorSpace::rgb_full_g2084_none_p2020;
      return PixelLayout{protocol::FrameType::rgba10, 4, pq, pq};
    }
    case Format::r16g16b16a16_float:
      return PixelLayout{protocol::FrameType::rgba16f, 8, true,
                         color_space == ColorSpace::rgb_full_g2084_none_p2020};
  }
  return Error{fmt::format("the desktop uses DXGI format {}, which KVMFR cannot carry",
                           static_cast<std::uint32_t>(format))};
}

protocol::FrameRotation frame_rotation(Rotation rotation) {
  switch (rotation) {
    case Rotation::rotate90:
      return protocol::FrameRotation::r90;
    case Rotation::rotate180:
      return protocol::FrameRotation::r180;
    case Rotation::rotate270:
      return protocol::FrameRotation::r270;
    default:
      return protocol::FrameRotation::r0;
  }
}

std::vector<Rect> damage_from_metadata(std::span<const MoveRect> moves, std::span<const DxRect> dirty,
                                       std::uint32_t width, std::uint32_t height) {
  std::vector<Rect> out;
  const auto add = [&](const DxRect& r) {
    const std::int64_t left = std::clamp<std::int64_t>(r.left, 0, width);
    const std::int64_t right = std::clamp<std::int64_t>(r.right, 0, width);
    const std::int64_t top = std::clamp<std::int64_t>(r.top, 0, height);
    const std::int64_t bottom = std::clamp<std::int64_t>(r.bottom, 0, height);
    if (right <= left || bottom <= top) return;
    out.push_back({static_cast<std::uint32_t>(left), static_cast<std::uint32_t>(top),
                   static_cast<std::uint32_t>(right - left), static_cast<std::uint32_t>(bottom - top)});
  };
  // A move copies pixels to its destination: that is what changed. Its source is covered by
  // dirty rects when it changed too (DXGI reports uncovered areas as dirty).
  for (const MoveRect& m : moves) add(m.destination);
  for (const DxRect& r : dirty) add(r);
  return out;
}

Result<protocol::CursorShape> cursor_shape_from_dxgi(const PointerShapeInfo& info,
                                                     std::span<const std::uint8_t> buffer) {
  protocol::CursorShape shape;
  std::uint32_t row_bytes = 0;
  std::uint32_t max_height = 512;
  switch (static_cast<PointerShapeType>(info.type)) {
    case PointerShapeType::monochrome:
      shape.type = protocol::CursorType::monochrome;
      row_bytes = (info.width + 7) / 8;
      max_height = 1024;  // AND rows + XOR rows
      if (info.height % 2 != 0)
        return Error{fmt::format("monochrome pointer with an odd height {}", info.height)};
      break;
    case PointerShapeType::color:
      shape.type = protocol::CursorType::color;
      row_bytes = info.width * 4;
      break;
    case PointerShapeType::masked_color:
      shape.type = protocol::CursorType::masked_color;
      row_bytes = info.width * 4;
      break;
    default:
      return Error{fmt::format("unknown DXGI pointer shape type {}", info.type)};
  }
  if (info.width == 0 || info.height == 0 || info.width > 512 || info.height > max_height) {
    return Error{
        fmt::format("pointer shape of {}x{}: KVMFR carries at most 512x512", info.width, info.height)};
  }
  if (info.pitch < row_bytes || buffer.size() < std::size_t{info.pitch} * (info.height - 1) + row_bytes) {
    return Error{fmt::format("pointer shape buffer of {} bytes is too short for {}x{} with pitch {}",
                             buffer.size(), info.width, info.height, info.pitch)};
  }
  shape.width = info.width;
  shape.height = info.height;
  shape.pitch = row_bytes;
  shape.hotspot_x = static_cast<std::int8_t>(std::clamp(info.hotspot_x, 0, 127));
  shape.hotspot_y = static_cast<std::int8_t>(std::clamp(info.hotspot_y, 0, 127));
  shape.data.resize(std::size_t{row_bytes} * info.height);
  for (std::uint32_t y = 0; y < info.height; ++y) {
    std::memcpy(&shape.data[std::size_t{y} * row_bytes], &buffer[std::size_t{y} * info.pitch], row_bytes);
  }
  return shape;
}

std::optional<protocol::CursorUpdate> pointer_update(const PointerPosition& position) {
  if (position.last_mouse_update_time == 0) return std::nullopt;
  protocol::CursorUpdate update;
  update.has_position = true;
  update.x = static_cast<std::int16_t>(std::clamp<std::int32_t>(position.x, INT16_MIN, INT16_MAX));
  update.y = static_cast<std::int16_t>(std::clamp<std::int32_t>(position.y, INT16_MIN, INT16_MAX));
  update.visible = position.visible;
  return update;
}

Result<protocol::OutputInfo> output_record(const std::vector<OutputInfo>& outputs, std::size_t index) {
  if (index >= outputs.size()) return Error{fmt::format("there is no output #{}", index)};
  const auto in_range = [](const DxRect& r) {
    const auto fits = [](std::int32_t v) {
      return v >= -protocol::kMaxDesktopCoordinate && v <= protocol::kMaxDesktopCoordinate;
    };
    return r.right > r.left && r.bottom > r.top && fits(r.left) && fits(r.top) && fits(r.right) &&
           fits(r.bottom);
  };
  const OutputInfo& chosen = outputs[index];
  if (!in_range(chosen.desktop)) {
    return Error{fmt::format("{} has no usable place in the desktop ({},{} to {},{}): is it attached?",
                             describe(chosen), chosen.desktop.left, chosen.desktop.top, chosen.desktop.right,
                             chosen.desktop.bottom)};
  }
  DxRect box = chosen.desktop;
  for (const OutputInfo& o : outputs) {
    if (!o.attached || !in_range(o.desktop)) continue;
    box = {std::min(box.left, o.desktop.left), std::min(box.top, o.desktop.top),
           std::max(box.right, o.desktop.right), std::max(box.bottom, o.desktop.bottom)};
  }
  const auto rect = [](const DxRect& r) {
    return protocol::OutputRect{r.left, r.top, static_cast<std::uint32_t>(r.right - r.left),
                                static_cast<std::uint32_t>(r.bottom - r.top)};
  };
  protocol::OutputInfo record;
  record.name = chosen.device_name;
  record.rect = rect(chosen.desktop);
  record.desktop = rect(box);
  record.index = static_cast<std::uint16_t>(std::min<std::size_t>(index, protocol::kMaxOutputs - 1));
  record.count =
      static_cast<std::uint16_t>(std::clamp<std::size_t>(outputs.size(), 1, protocol::kMaxOutputs));
  return record;
}

bool is_virtual_adapter(std::string_view adapter) {
  static constexpr std::string_view kVirtual[] = {"qxl",   "virtio",      "basic display", "basic render",
                                                  "bochs", "vmware svga", "hyper-v video", "standard vga"};
  return std::any_of(std::begin(kVirtual), std::end(kVirtual),
                     [&](std::string_view name) { return contains_ci(adapter, name); });
}

Result<OutputChoice> choose_output(const std::vector<OutputInfo>& outputs, std::string_view wanted,
                                   std::string_view expected_gpu) {
  if (outputs.empty()) {
    return Error{
        "no display output is attached to any adapter: connect a monitor or a dummy plug to the "
        "passed-through GPU (Windows duplicates only outputs that are part of the desktop)"};
  }
  std::string names;
  for (std::size_t i = 0; i < outputs.size(); ++i)
    names += fmt::format("\n  #{} {}", i, describe(outputs[i]));

  OutputChoice choice;
  std::optional<std::size_t> found;
  std::size_t index = 0;
  const auto [end, ec] = std::from_chars(wanted.data(), wanted.data() + wanted.size(), index);
  if (wanted.empty()) {
    for (std::size_t i = 0; i < outputs.size() && !found; ++i) {
      if (outputs[i].attached && outputs[i].desktop.left == 0 && outputs[i].desktop.top == 0) found = i;
    }
    if (!found) found = 0;
    choice.notices.push_back(fmt::format("capturing the primary output {} (choose another with --output)",
                                         describe(outputs[*found])));
  } else if (ec == std::errc{} && end == wanted.data() + wanted.size()) {
    if (index >= outputs.size())
      return Error{fmt::format("there is no output #{}; the outputs are:{}", index, names)};
    found = index;
  } else {
    for (std::size_t i = 0; i < outputs.size() && !found; ++i) {
      if (lower(outputs[i].device_name) == lower(wanted)) found = i;
    }
    for (std::size_t i = 0; i < outputs.size() && !found; ++i) {
      if (contains_ci(outputs[i].adapter, wanted)) found = i;
    }
    if (!found) return Error{fmt::format("no output matches '{}'; the outputs are:{}", wanted, names)};
  }
  choice.index = *found;
  const OutputInfo& chosen = outputs[choice.index];
  if (!wanted.empty()) choice.notices.push_back(fmt::format("capturing {}", describe(chosen)));

  // The user's screen is the passed-through GPU: say so when we are about to show another one.
  const auto expected = [&](const OutputInfo& o) {
    return expected_gpu.empty() ? !is_virtual_adapter(o.adapter) && !o.software
                                : contains_ci(o.adapter, expected_gpu);
  };
  if (!expected(chosen)) {
    const auto better = std::find_if(outputs.begin(), outputs.end(), expected);
    if (better != outputs.end()) {
      choice.notices.push_back(
          fmt::format("warning: {} is not on the GPU you expect; {} is. Make that screen the primary display "
                      "in Windows' display "
                      "settings, or start the agent with --output {}",
                      describe(chosen), describe(*better), better->device_name));
    } else {
      choice.notices.push_back(
          fmt::format("warning: {} is on a virtual display adapter{}: is the GPU passed through, its driver "
                      "installed, and a monitor "
                      "or dummy plug connected to it?",
                      describe(chosen),
                      expected_gpu.empty() ? "" : fmt::format(" and no adapter matches '{}'", expected_gpu)));
    }
  }
  return choice;
}

}  // namespace kagami::capture::dxgi
