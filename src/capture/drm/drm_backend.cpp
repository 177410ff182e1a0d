#include "capture/drm/drm_backend.h"

#include <drm_fourcc.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <linux/dma-buf.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "capture/drm/drm_formats.h"
#include "capture/drm/drm_outputs.h"

namespace kagami::capture {

namespace {

struct ResourcesDeleter {
  void operator()(drmModeRes* r) const { drmModeFreeResources(r); }
};
struct CrtcDeleter {
  void operator()(drmModeCrtc* c) const { drmModeFreeCrtc(c); }
};
struct Fb2Deleter {
  void operator()(drmModeFB2* f) const { drmModeFreeFB2(f); }
};

void close_handle(int fd, std::uint32_t handle) {
  drm_gem_close request{};
  request.handle = handle;
  ::ioctl(fd, DRM_IOCTL_GEM_CLOSE, &request);
}

}  // namespace

DrmBackend::DrmBackend(DrmConfig config)
    : PolledScreenBackend(config.poll_interval), config_(std::move(config)) {}

DrmBackend::~DrmBackend() {
  unmap_all();
  if (fd_ >= 0) ::close(fd_);
}

void DrmBackend::unmap_all() {
  for (auto& [id, m] : mappings_) {
    ::munmap(m.data, m.size);
    if (m.dmabuf_fd >= 0) ::close(m.dmabuf_fd);
  }
  mappings_.clear();
}

Result<void> DrmBackend::start() {
  unmap_all();
  if (fd_ < 0) {
    fd_ = ::open(config_.path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd_ < 0) {
      return Error{fmt::format("cannot open the DRM device {}: {}", config_.path, std::strerror(errno))};
    }
  }
  std::unique_ptr<drmModeRes, ResourcesDeleter> resources(drmModeGetResources(fd_));
  if (!resources) {
    return Error{fmt::format("{} has no display resources ({}): not a KMS device?", config_.path,
                             std::strerror(errno))};
  }
  crtc_id_ = 0;
  output_.reset();
  if (config_.output.empty()) {
    for (int i = 0; i < resources->count_crtcs && crtc_id_ == 0; ++i) {
      std::unique_ptr<drmModeCrtc, CrtcDeleter> crtc(drmModeGetCrtc(fd_, resources->crtcs[i]));
      if (crtc && crtc->mode_valid && crtc->buffer_id != 0) crtc_id_ = crtc->crtc_id;
    }
  } else {
    auto picked = pick_drm_output(fd_, *resources, config_.output);
    if (!picked) return Error{fmt::format("{}: {}", config_.path, picked.error().message)};
    crtc_id_ = picked->crtc_id;
    output_ = picked->info;
  }
  if (crtc_id_ == 0) return Error{fmt::format("{}: no CRTC is showing a framebuffer", config_.path)};
  auto fb = current_fb();
  if (!fb) return fb.error();
  auto mapping = map_fb(*fb);
  if (!mapping) return mapping.error();
  mappings_[*fb] = *mapping;
  reset_shadow();
  return {};
}

Result<std::uint32_t> DrmBackend::current_fb() {
  std::unique_ptr<drmModeCrtc, CrtcDeleter> crtc(drmModeGetCrtc(fd_, crtc_id_));
  if (!crtc) return Error{fmt::format("{}: CRTC {} went away", config_.path, crtc_id_)};
  if (crtc->buffer_id == 0) return Error{fmt::format("{}: CRTC {} shows nothing", config_.path, crtc_id_)};
  return crtc->buffer_id;
}

Result<DrmBackend::Mapping> DrmBackend::map_fb(std::uint32_t fb_id) {
  std::unique_ptr<drmModeFB2, Fb2Deleter> fb(drmModeGetFB2(fd_, fb_id));
  if (!fb)
    return Error{
        fmt::format("{}: cannot describe framebuffer {}: {}", config_.path, fb_id, std::strerror(errno))};
  if (fb->handles[0] == 0) {
    return Error{fmt::format("{}: no handle for framebuffer {}: capturing DRM needs root (CAP_SYS_ADMIN)",
                             config_.path, fb_id)};
  }
  const std::uint32_t handle = fb->handles[0];
  const auto source = source_format_from_drm(fb->pixel_format);
  if (!source) {
    close_handle(fd_, handle);
    return Error{
        fmt::format("{}: unsupported scanout format {}", config_.path, fourcc_name(fb->pixel_format))};
  }
  if (fb->modifier != DRM_FORMAT_MOD_LINEAR && fb->modifier != DRM_FORMAT_MOD_INVALID &&
      (fb->flags & DRM_MODE_FB_MODIFIERS)) {
    close_handle(fd_, handle);
    return Error{
        fmt::format("{}: the scanout buffer is tiled (modifier {:#x}); only linear buffers can be read",
                    config_.path, fb->modifier)};
  }
  Mapping m;
  m.width = fb->width;
  m.height = fb->height;
  m.pitch = fb->pitches[0];
  m.offset = fb->offsets[0];
  m.format = *source;
  m.size = std::size_t{m.offset} + std::size_t{m.pitch} * m.height;

  // PRIME first (works for any exportable buffer); the dumb-buffer map for drivers without it.
  int prime = -1;
  if (drmPrimeHandleToFD(fd_, handle, DRM_CLOEXEC, &prime) == 0) {
    m.data = ::mmap(nullptr, m.size, PROT_READ, MAP_SHARED, prime, 0);
    if (m.data != MAP_FAILED) {
      m.dmabuf_fd = prime;
    } else {
      ::close(prime);
    }
  }
  if (m.dmabuf_fd < 0) {
    drm_mode_map_dumb request{};
    request.handle = handle;
    m.data = MAP_FAILED;
    if (drmIoctl(fd_, DRM_IOCTL_MODE_MAP_DUMB, &request) == 0) {
      m.data = ::mmap(nullptr, m.size, PROT_READ, MAP_SHARED, fd_, static_cast<off_t>(request.offset));
    }
  }
  const int map_errno = errno;
  close_handle(fd_, handle);  // the mapping keeps the buffer alive
  if (m.data == MAP_FAILED) {
    return Error{fmt::format("{}: cannot map framebuffer {} (PRIME and dumb map failed: {})", config_.path,
                             fb_id, std::strerror(map_errno))};
  }
  return m;
}

CaptureStatus DrmBackend::read_screen(std::vector<std::byte>& out, FrameFormat& format) {
  auto fb = current_fb();
  if (!fb) {
    set_error(fb.error().message);
    return CaptureStatus::reinit;
  }
  auto it = mappings_.find(*fb);
  if (it == mappings_.end()) {
    if (mappings_.size() >= 4) unmap_all();  // a compositor that allocates new buffers: do not hoard
    auto mapping = map_fb(*fb);
    if (!mapping) {
      set_error(mapping.error().message);
      return CaptureStatus::error;
    }
    it = mappings_.emplace(*fb, *mapping).first;
  }
  const Mapping& m = it->second;
  const SourceFormatInfo info = source_format_info(m.format);
  format = FrameFormat{};
  format.type = info.frame_type;
  format.width = m.width;
  format.height = m.height;
  format.pitch = m.width * 4;
  out.resize(std::size_t{format.pitch} * format.height);

  dma_buf_sync sync{};
  if (m.dmabuf_fd >= 0) {
    sync.flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ;
    ::ioctl(m.dmabuf_fd, DMA_BUF_IOCTL_SYNC, &sync);
  }
  const auto* base = static_cast<const std::byte*>(m.data) + m.offset;
  for (std::uint32_t y = 0; y < m.height; ++y) {
    convert_row(m.format, base + std::size_t{y} * m.pitch, out.data() + std::size_t{y} * format.pitch,
                m.width);
  }
  if (m.dmabuf_fd >= 0) {
    sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ;
    ::ioctl(m.dmabuf_fd, DMA_BUF_IOCTL_SYNC, &sync);
  }
  return CaptureStatus::ok;
}

}  // namespace kagami::capture
