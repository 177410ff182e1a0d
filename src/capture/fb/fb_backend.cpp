#include "capture/fb/fb_backend.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <linux/fb.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace kagami::capture {

FbBackend::FbBackend(FbConfig config)
    : PolledScreenBackend(config.poll_interval), config_(std::move(config)) {}

FbBackend::~FbBackend() {
  if (fd_ >= 0) ::close(fd_);
}

Result<FbGeometry> FbBackend::query_geometry() const {
  if (config_.geometry) return *config_.geometry;
  fb_var_screeninfo var{};
  fb_fix_screeninfo fix{};
  if (::ioctl(fd_, FBIOGET_VSCREENINFO, &var) != 0 || ::ioctl(fd_, FBIOGET_FSCREENINFO, &fix) != 0) {
    return Error{fmt::format("{} is not a framebuffer device (FBIOGET_*SCREENINFO: {}); pass a /dev/fbN path",
                             config_.path, std::strerror(errno))};
  }
  FbGeometry g;
  g.width = var.xres;
  g.height = var.yres;
  g.x_offset = var.xoffset;
  g.y_offset = var.yoffset;
  g.line_length = fix.line_length;
  g.channels = {var.bits_per_pixel, var.red.offset,  var.red.length, var.green.offset,
                var.green.length,   var.blue.offset, var.blue.length};
  return g;
}

Result<void> FbBackend::start() {
  if (fd_ < 0) {
    fd_ = ::open(config_.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) {
      return Error{fmt::format("cannot open the framebuffer {}: {}{}", config_.path, std::strerror(errno),
                               errno == EACCES ? " (run as root or join the `video` group)" : "")};
    }
  }
  auto geometry = query_geometry();
  if (!geometry) return geometry.error();
  const FbGeometry& g = *geometry;
  const auto source = source_format_from_channels(g.channels);
  if (!source) {
    return Error{
        fmt::format("{}: unsupported pixel format ({}); supported: 32 bpp XRGB/XBGR, XBGR2101010, "
                    "RGB565, 24 bpp RGB/BGR",
                    config_.path, describe(g.channels))};
  }
  const std::uint32_t bpp = source_format_info(*source).bytes_per_pixel;
  if (g.width == 0 || g.height == 0 || g.line_length < std::uint64_t{g.width + g.x_offset} * bpp) {
    return Error{fmt::format("{}: impossible geometry {}x{} with {} bytes per line", config_.path, g.width,
                             g.height, g.line_length)};
  }
  geometry_ = g;
  source_ = *source;
  reset_shadow();
  return {};
}

CaptureStatus FbBackend::read_screen(std::vector<std::byte>& out, FrameFormat& format) {
  // The mode may change under us (fbset, a DRM master taking over): re-read it each poll.
  auto geometry = query_geometry();
  if (!geometry) {
    set_error(geometry.error().message);
    return CaptureStatus::error;
  }
  if (!(*geometry == geometry_)) return CaptureStatus::reinit;

  const SourceFormatInfo info = source_format_info(source_);
  format = FrameFormat{};
  format.type = info.frame_type;
  format.width = geometry_.width;
  format.height = geometry_.height;
  format.pitch = geometry_.width * 4;
  out.resize(std::size_t{format.pitch} * format.height);
  // One read of the visible rows (a syscall per row would cost more than the copy).
  const std::size_t bytes = std::size_t{geometry_.line_length} * geometry_.height;
  staging_.resize(bytes);
  const ssize_t n = ::pread(fd_, staging_.data(), bytes,
                            static_cast<off_t>(std::uint64_t{geometry_.y_offset} * geometry_.line_length));
  if (n != static_cast<ssize_t>(bytes)) {
    set_error(fmt::format("{}: short read ({}, wanted {} bytes)", config_.path,
                          n < 0 ? std::strerror(errno) : fmt::format("got {}", n), bytes));
    return CaptureStatus::error;
  }
  const std::size_t x_skip = std::size_t{geometry_.x_offset} * info.bytes_per_pixel;
  for (std::uint32_t y = 0; y < geometry_.height; ++y) {
    convert_row(source_, staging_.data() + std::size_t{y} * geometry_.line_length + x_skip,
                out.data() + std::size_t{y} * format.pitch, geometry_.width);
  }
  return CaptureStatus::ok;
}

}  // namespace kagami::capture
