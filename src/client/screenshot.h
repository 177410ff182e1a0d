#pragma once
// Screenshots: the guest image at its own resolution (drawn 1:1 into an offscreen framebuffer and
// read back), written as PNG with libpng.
#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace kagami::client {

class FrameRenderer;

// Writes 8-bit RGB rows (top first, width*3 bytes each) to `path`.
Result<void> write_png(const std::string& path, std::uint32_t width, std::uint32_t height,
                       const std::vector<std::uint8_t>& rgb);

// Draws the current guest image 1:1 (nearest) offscreen and reads it back as RGB.
Result<std::vector<std::uint8_t>> capture_guest_image(FrameRenderer& renderer, std::uint32_t& width,
                                                      std::uint32_t& height);

// "<dir>/kagami-YYYYmmdd-HHMMSS-mmm.png" where dir is the option, else $XDG_PICTURES_DIR, else $HOME.
std::string screenshot_path(const std::string& dir_option);

}  // namespace kagami::client
