#pragma once
// Clipboard content exchanged between the app and the guest.
#include <cstdint>
#include <vector>

namespace kagami::spice {

enum class ClipboardType { Text, Png, Bmp, Jpeg, Tiff };  // Text is UTF-8

struct ClipboardData {
  ClipboardType type = ClipboardType::Text;
  std::vector<uint8_t> bytes;

  bool operator==(const ClipboardData&) const = default;
};

}  // namespace kagami::spice
