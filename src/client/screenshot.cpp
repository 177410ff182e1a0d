#include "client/screenshot.h"

#include <fmt/format.h>
#include <png.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>

namespace kagami::client {

Result<void> write_png(const std::string& path, std::uint32_t width, std::uint32_t height,
                       const std::vector<std::uint8_t>& rgb) {
  if (rgb.size() < std::size_t{width} * height * 3) return Error{"screenshot buffer is too small"};
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "wb"), &std::fclose);
  if (!file) return Error{fmt::format("cannot write the screenshot {}: {}", path, std::strerror(errno))};
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  if (!info) {
    png_destroy_write_struct(&png, nullptr);
    return Error{"libpng could not start (out of memory?)"};
  }
  // libpng reports errors by longjmp; nothing here needs unwinding.
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    return Error{fmt::format("libpng failed writing {} (disk full?)", path)};
  }
  png_init_io(png, file.get());
  png_set_IHDR(png, info, width, height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (std::uint32_t y = 0; y < height; ++y) {
    png_write_row(png, rgb.data() + std::size_t{y} * width * 3);
  }
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return {};
}

std::string screenshot_path(const std::string& dir_option) {
  std::string dir = dir_option;
  if (dir.empty()) {
    const char* pictures = std::getenv("XDG_PICTURES_DIR");
    const char* home = std::getenv("HOME");
    dir = pictures && *pictures ? pictures : home && *home ? home : ".";
  }
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  localtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
  return fmt::format("{}/kagami-{}-{:03}.png", dir, stamp, ms);
}

}  // namespace kagami::client
