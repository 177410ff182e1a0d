#include "ppm_image.h"

#include <fstream>

namespace kagami::vm_test {

Result<PpmImage> read_ppm(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"cannot open " + path};
  std::string magic;
  unsigned long width = 0, height = 0, max_value = 0;
  in >> magic >> width >> height >> max_value;
  if (!in || magic != "P6" || max_value != 255 || width == 0 || height == 0 || width > 16384 ||
      height > 16384) {
    return Error{path + " is not an 8-bit binary PPM (P6) image"};
  }
  in.get();  // the single whitespace byte before the pixels
  PpmImage image;
  image.width = static_cast<std::uint32_t>(width);
  image.height = static_cast<std::uint32_t>(height);
  image.rgb.resize(static_cast<std::size_t>(width) * height * 3);
  in.read(reinterpret_cast<char*>(image.rgb.data()), static_cast<std::streamsize>(image.rgb.size()));
  if (in.gcount() != static_cast<std::streamsize>(image.rgb.size())) return Error{path + " is truncated"};
  return image;
}

}  // namespace kagami::vm_test
