#pragma once
// Screenshots: the guest image at its own resolution (Renderer::read_guest_image), written as PNG
// with libpng.
#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace kagami::client {

// Writes 8-bit RGB rows (top first, width*3 bytes each) to `path`.
Result<void> write_png(const std::string& path, std::uint32_t width, std::uint32_t height,
                       const std::vector<std::uint8_t>& rgb);

// "<dir>/kagami-YYYYmmdd-HHMMSS-mmm.png" where dir is the option, else $XDG_PICTURES_DIR, else $HOME.
std::string screenshot_path(const std::string& dir_option);

}  // namespace kagami::client
