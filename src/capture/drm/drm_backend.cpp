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

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include "capture/drm/drm_formats.h"
#include "capture/drm/drm_outputs.h"
#include "capture/drm/scanout_plan.h"

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

void DrmBackend::unmap(Mapping& m) {
  if (m.data) ::munmap(m.data, m.size);
  if (m.dmabuf_fd >= 0) ::close(m.dmabuf_fd);
  if (gpu_ && !m.gpu.planes.empty()) gpu_->forget(m.gpu.key);
  for (const DmabufPlane& p : m.gpu.planes) ::close(p.fd);
  m = Mapping{};
}

void DrmBackend::unmap_all() {
  for (auto& [id, m] : mappings_) unmap(m);
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
  viewport_ = {crtc->x, crtc->y, crtc->mode.hdisplay, crtc->mode.vdisplay};
  return crtc->buffer_id;
}

Rect DrmBackend::visible(const Mapping& m) const {
  if (config_.output.empty()) return {0, 0, m.width, m.height};
  // The kernel checks that the viewport fits the buffer at modeset; clip anyway, so that a
  // buffer swapped under us can never make us read past the mapping.
  const std::uint32_t x = std::min(viewport_.x, m.width);
  const std::uint32_t y = std::min(viewport_.y, m.height);
  return {x, y, std::min(viewport_.width, m.width - x), std::min(viewport_.height, m.height - y)};
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
  // Every distinct handle is closed once we are done (planes may share one buffer).
  struct Handles {
    int fd;
    std::uint32_t h[4];
    ~Handles() {
      for (int i = 0; i < 4; ++i) {
        bool seen = false;
        for (int j = 0; j < i; ++j) seen |= h[j] == h[i];
        if (h[i] && !seen) close_handle(fd, h[i]);
      }
    }
  } handles{fd_, {fb->handles[0], fb->handles[1], fb->handles[2], fb->handles[3]}};

  ScanoutDescription description;
  description.fourcc = fb->pixel_format;
  description.modifier = fb->modifier;
  description.has_modifier = (fb->flags & DRM_MODE_FB_MODIFIERS) != 0;
  description.planes = 0;
  for (std::uint32_t h : handles.h) description.planes += h != 0;
  description.width = fb->width;
  description.height = fb->height;
  description.pitch = fb->pitches[0];
  description.offset = fb->offsets[0];
  const ScanoutPlan plan = plan_scanout(description, static_cast<bool>(config_.gpu_reader));
  if (plan.how == ScanoutRead::unsupported) return Error{fmt::format("{}: {}", config_.path, plan.reason)};
  if (plan.how == ScanoutRead::gpu_import) {
    return export_planes(fb_id, description, handles.h, fb->pitches, fb->offsets);
  }
  const std::uint32_t handle = handles.h[0];
  Mapping m;
  m.width = fb->width;
  m.height = fb->height;
  m.pitch = fb->pitches[0];
  m.offset = fb->offsets[0];
  m.format = plan.source;
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
  const int map_errno = errno;  // the handles close on return: the mapping keeps the buffer alive
  if (m.data == MAP_FAILED) {
    return Error{fmt::format("{}: cannot map framebuffer {} (PRIME and dumb map failed: {})", config_.path,
                             fb_id, std::strerror(map_errno))};
  }
  return m;
}

Result<DrmBackend::Mapping> DrmBackend::export_planes(std::uint32_t fb_id, const ScanoutDescription& fb,
                                                      const std::uint32_t handles[4],
                                                      const std::uint32_t pitches[4],
                                                      const std::uint32_t offsets[4]) {
  if (!gpu_) {
    auto reader = config_.gpu_reader(fd_);
    if (!reader) {
      return Error{
          fmt::format("{}: the scanout buffer is tiled or compressed (modifier {}) and the GPU cannot "
                      "read it: {}",
                      config_.path, modifier_name(fb.modifier), reader.error().message)};
    }
    gpu_ = std::move(*reader);
  }
  Mapping m;
  m.width = fb.width;
  m.height = fb.height;
  m.gpu.key = fb_id;
  m.gpu.fourcc = fb.fourcc;
  m.gpu.modifier = fb.modifier;
  m.gpu.has_modifier = fb.has_modifier;
  m.gpu.width = fb.width;
  m.gpu.height = fb.height;
  for (int i = 0; i < 4 && handles[i]; ++i) {
    int prime = -1;
    if (drmPrimeHandleToFD(fd_, handles[i], DRM_CLOEXEC, &prime) != 0) {
      const int e = errno;
      unmap(m);
      return Error{fmt::format("{}: cannot export plane {} of framebuffer {} (PRIME: {})", config_.path, i,
                               fb_id, std::strerror(e))};
    }
    m.gpu.planes.push_back(DmabufPlane{prime, offsets[i], pitches[i]});
  }
  return m;
}

bool DrmBackend::output_moved() {
  std::unique_ptr<drmModeRes, ResourcesDeleter> resources(drmModeGetResources(fd_));
  if (!resources) return true;
  auto picked = pick_drm_output(fd_, *resources, config_.output);
  // Its place for a viewer: its rectangle and the desktop's origin (the pointer maps through
  // their difference). Other outputs coming and going alone change nothing for this region.
  return !picked || picked->crtc_id != crtc_id_ || picked->info.rect != output_->rect ||
         picked->info.desktop.x != output_->desktop.x || picked->info.desktop.y != output_->desktop.y;
}

CaptureStatus DrmBackend::read_screen(std::vector<std::byte>& out, FrameFormat& format) {
  auto fb = current_fb();
  if (!fb) {
    set_error(fb.error().message);
    return CaptureStatus::reinit;
  }
  // Where the output lies can change without its CRTC changing (Xorg moving a monitor within its
  // desktop-wide buffer): looked at once a second; a new place means a new output record.
  if (const auto now = std::chrono::steady_clock::now(); output_ && now >= next_output_check_) {
    next_output_check_ = now + std::chrono::seconds(1);
    if (output_moved()) {
      set_error(fmt::format("{}: output '{}' moved in the desktop", config_.path, config_.output));
      return CaptureStatus::reinit;
    }
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
  const Rect view = visible(m);
  if (view.width == 0 || view.height == 0) {
    set_error(fmt::format("{}: CRTC {} shows an empty part of framebuffer {}", config_.path, crtc_id_, *fb));
    return CaptureStatus::reinit;
  }
  if (!m.gpu.planes.empty()) {
    // The GPU reads the whole buffer; the viewport's rows are then moved to the front.
    format = FrameFormat{};
    format.type = protocol::FrameType::bgra;
    format.width = view.width;
    format.height = view.height;
    format.pitch = view.width * 4;
    out.resize(std::size_t{m.width} * 4 * m.height);
    if (auto r = gpu_->read(m.gpu, out.data(), m.width * 4); !r) {
      set_error(fmt::format("{}: {}", config_.path, r.error().message));
      return CaptureStatus::error;
    }
    for (std::uint32_t y = 0; y < view.height; ++y) {
      std::memmove(out.data() + std::size_t{y} * format.pitch,
                   out.data() + (std::size_t{view.y} + y) * m.width * 4 + std::size_t{view.x} * 4,
                   format.pitch);
    }
    out.resize(std::size_t{format.pitch} * format.height);
    return CaptureStatus::ok;
  }
  const SourceFormatInfo info = source_format_info(m.format);
  format = FrameFormat{};
  format.type = info.frame_type;
  format.width = view.width;
  format.height = view.height;
  format.pitch = view.width * 4;
  out.resize(std::size_t{format.pitch} * format.height);

  dma_buf_sync sync{};
  if (m.dmabuf_fd >= 0) {
    sync.flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ;
    ::ioctl(m.dmabuf_fd, DMA_BUF_IOCTL_SYNC, &sync);
  }
  const auto* base = static_cast<const std::byte*>(m.data) + m.offset + std::size_t{view.y} * m.pitch +
                     std::size_t{view.x} * info.bytes_per_pixel;
  for (std::uint32_t y = 0; y < view.height; ++y) {
    convert_row(m.format, base + std::size_t{y} * m.pitch, out.data() + std::size_t{y} * format.pitch,
                view.width);
  }
  if (m.dmabuf_fd >= 0) {
    sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ;
    ::ioctl(m.dmabuf_fd, DMA_BUF_IOCTL_SYNC, &sync);
  }
  return CaptureStatus::ok;
}

}  // namespace kagami::capture
