#include "capture/wlr/wlr_backend.h"

#include <drm_fourcc.h>
#include <fmt/format.h>
#include <poll.h>
#include <sys/mman.h>
#include <unistd.h>
#include <wayland-client.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "capture/drm/drm_formats.h"
#include "capture/rects.h"
#include "wlr-screencopy-unstable-v1-client-protocol.h"

namespace kagami::capture {

struct WlrBackend::Pool {
  std::byte* data = nullptr;
  std::size_t size = 0;
  wl_shm_pool* pool = nullptr;
  wl_buffer* buffers[WlrBackend::kBuffers] = {};
  std::uint32_t format = 0, width = 0, height = 0, stride = 0;

  bool matches(const Frame& f) const {
    return f.format == format && f.width == width && f.height == height && f.stride == stride;
  }
  std::byte* slot(int i) const { return data + static_cast<std::size_t>(i) * stride * height; }
  ~Pool() {
    for (wl_buffer* b : buffers) {
      if (b) wl_buffer_destroy(b);
    }
    if (pool) wl_shm_pool_destroy(pool);
    if (data) ::munmap(data, size);
  }
};

namespace {

std::uint64_t monotonic_now_ns() {
  timespec t{};
  ::clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<std::uint64_t>(t.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(t.tv_nsec);
}

// wl_shm names its two oldest formats 0 and 1; every other code is the DRM fourcc.
std::uint32_t drm_fourcc_of_shm(std::uint32_t shm_format) {
  if (shm_format == WL_SHM_FORMAT_ARGB8888) return DRM_FORMAT_ARGB8888;
  if (shm_format == WL_SHM_FORMAT_XRGB8888) return DRM_FORMAT_XRGB8888;
  return shm_format;
}

// ---- C listeners: they forward to the backend (or fill the frame) ----

void registry_global(void* data, wl_registry* registry, std::uint32_t name, const char* interface,
                     std::uint32_t version) {
  static_cast<WlrBackend*>(data)->on_global(registry, name, interface, version);
}
void registry_global_remove(void* data, wl_registry*, std::uint32_t name) {
  static_cast<WlrBackend*>(data)->on_global_remove(name);
}
const wl_registry_listener kRegistryListener{registry_global, registry_global_remove};

void output_geometry(void* data, wl_output*, std::int32_t, std::int32_t, std::int32_t, std::int32_t,
                     std::int32_t, const char*, const char*, std::int32_t transform) {
  static_cast<WlrBackend::Output*>(data)->pending_transform = transform;
}
void output_mode(void* data, wl_output*, std::uint32_t flags, std::int32_t width, std::int32_t height,
                 std::int32_t) {
  if (!(flags & WL_OUTPUT_MODE_CURRENT)) return;
  auto* o = static_cast<WlrBackend::Output*>(data);
  o->pending_width = width;
  o->pending_height = height;
}
void output_done(void* data, wl_output*) {
  auto* o = static_cast<WlrBackend::Output*>(data);
  if (o->pending_width != o->width || o->pending_height != o->height ||
      o->pending_transform != o->transform) {
    o->changed = o->width != 0;  // the first announcement is no change
    o->width = o->pending_width;
    o->height = o->pending_height;
    o->transform = o->pending_transform;
  }
}
void output_scale(void*, wl_output*, std::int32_t) {}
void output_name(void* data, wl_output*, const char* name) {
  static_cast<WlrBackend::Output*>(data)->name = name ? name : "";
}
void output_description(void*, wl_output*, const char*) {}
const wl_output_listener kOutputListener{output_geometry, output_mode, output_done,
                                         output_scale,    output_name, output_description};

using Frame = WlrBackend::Frame;
Frame* frame_of(void* data) { return static_cast<Frame*>(data); }

void frame_buffer(void* data, zwlr_screencopy_frame_v1*, std::uint32_t format, std::uint32_t width,
                  std::uint32_t height, std::uint32_t stride) {
  Frame* f = frame_of(data);
  f->format = format;
  f->width = width;
  f->height = height;
  f->stride = stride;
  f->have_buffer = true;
  // Version 1 and 2 announce only this one buffer type and expect the copy right away.
  if (f->self->protocol_version() < 3) f->self->on_buffer_done(f);
}
void frame_flags(void* data, zwlr_screencopy_frame_v1*, std::uint32_t flags) {
  frame_of(data)->y_invert = (flags & ZWLR_SCREENCOPY_FRAME_V1_FLAGS_Y_INVERT) != 0;
}
void frame_ready(void* data, zwlr_screencopy_frame_v1*, std::uint32_t sec_hi, std::uint32_t sec_lo,
                 std::uint32_t nsec) {
  Frame* f = frame_of(data);
  f->ready = true;
  f->commit_ns = ((std::uint64_t{sec_hi} << 32) | sec_lo) * 1'000'000'000u + nsec;
  f->received_ns = monotonic_now_ns();
}
void frame_failed(void* data, zwlr_screencopy_frame_v1*) { frame_of(data)->failed = true; }
void frame_damage(void* data, zwlr_screencopy_frame_v1*, std::uint32_t x, std::uint32_t y,
                  std::uint32_t width, std::uint32_t height) {
  frame_of(data)->damage.push_back(Rect{x, y, width, height});
}
void frame_linux_dmabuf(void*, zwlr_screencopy_frame_v1*, std::uint32_t, std::uint32_t, std::uint32_t) {}
void frame_buffer_done(void* data, zwlr_screencopy_frame_v1*) {
  Frame* f = frame_of(data);
  f->self->on_buffer_done(f);
}
const zwlr_screencopy_frame_v1_listener kFrameListener{frame_buffer,     frame_flags,  frame_ready,
                                                       frame_failed,     frame_damage, frame_linux_dmabuf,
                                                       frame_buffer_done};

}  // namespace

WlrBackend::WlrBackend(WlrConfig config) : config_(std::move(config)) {}

WlrBackend::~WlrBackend() { disconnect(); }

void WlrBackend::disconnect() {
  // Every proxy goes before the display it belongs to.
  destroy_queued();
  destroy_frame(current_);
  pool_.reset();
  for (auto& o : outputs_) {
    if (wl_output_get_version(o->output) >= WL_OUTPUT_RELEASE_SINCE_VERSION) {
      wl_output_release(o->output);
    } else {
      wl_output_destroy(o->output);
    }
  }
  outputs_.clear();
  chosen_ = nullptr;
  if (manager_) zwlr_screencopy_manager_v1_destroy(manager_);
  manager_ = nullptr;
  if (shm_) wl_shm_destroy(shm_);
  shm_ = nullptr;
  if (registry_) wl_registry_destroy(registry_);
  registry_ = nullptr;
  if (display_) wl_display_disconnect(display_);
  display_ = nullptr;
}

void WlrBackend::destroy_frame(std::unique_ptr<Frame>& frame) {
  if (frame && frame->frame) zwlr_screencopy_frame_v1_destroy(frame->frame);
  frame.reset();
}

void WlrBackend::destroy_queued() {
  for (auto& f : queued_) destroy_frame(f);
  queued_.clear();
}

int WlrBackend::free_slot() const {
  for (int i = 0; i < kBuffers; ++i) {
    const auto uses = [&](const std::unique_ptr<Frame>& f) { return f && f->pool == pool_ && f->slot == i; };
    if (!uses(current_) && std::none_of(queued_.begin(), queued_.end(), uses)) return i;
  }
  return -1;
}

CaptureStatus WlrBackend::lost(std::string why) {
  error_ = std::move(why);
  return CaptureStatus::reinit;
}

void WlrBackend::on_global(wl_registry* registry, std::uint32_t name, const char* interface,
                           std::uint32_t version) {
  const std::string_view iface(interface);
  if (iface == wl_shm_interface.name) {
    shm_ = static_cast<wl_shm*>(wl_registry_bind(registry, name, &wl_shm_interface, 1));
  } else if (iface == zwlr_screencopy_manager_v1_interface.name) {
    manager_version_ = std::min<std::uint32_t>(version, 3);
    manager_ = static_cast<zwlr_screencopy_manager_v1*>(
        wl_registry_bind(registry, name, &zwlr_screencopy_manager_v1_interface, manager_version_));
  } else if (iface == wl_output_interface.name) {
    auto o = std::make_unique<Output>();
    o->global = name;
    // Version 4 tells the output's name (HDMI-A-1); older outputs are chosen by order only.
    o->output = static_cast<wl_output*>(
        wl_registry_bind(registry, name, &wl_output_interface, std::min<std::uint32_t>(version, 4)));
    wl_output_add_listener(o->output, &kOutputListener, o.get());
    outputs_.push_back(std::move(o));
  }
}

void WlrBackend::on_global_remove(std::uint32_t name) {
  if (chosen_ && chosen_->global == name) chosen_removed_ = true;
}

Result<void> WlrBackend::start() {
  disconnect();
  chosen_removed_ = false;
  need_full_frame_ = true;
  const char* env = std::getenv("WAYLAND_DISPLAY");
  const std::string shown = !config_.display.empty() ? config_.display : env ? env : "wayland-0";
  display_ = wl_display_connect(config_.display.empty() ? nullptr : config_.display.c_str());
  if (!display_) {
    return Error{
        fmt::format("cannot connect to the Wayland compositor '{}' (is it running, and WAYLAND_DISPLAY, "
                    "--wayland-display "
                    "and XDG_RUNTIME_DIR right?)",
                    shown)};
  }
  registry_ = wl_display_get_registry(display_);
  wl_registry_add_listener(registry_, &kRegistryListener, this);
  // The first round trip announces the globals, the second the outputs' names.
  if (wl_display_roundtrip(display_) < 0 || wl_display_roundtrip(display_) < 0) {
    disconnect();
    return Error{fmt::format("the Wayland compositor '{}' closed the connection", shown)};
  }
  if (!manager_) {
    disconnect();
    return Error{
        fmt::format("the Wayland compositor '{}' has no wlroots screen-copy (zwlr_screencopy_manager_v1): "
                    "GNOME and KDE do not offer it; use --capture portal there",
                    shown)};
  }
  if (!shm_) {
    disconnect();
    return Error{fmt::format("the Wayland compositor '{}' offers no wl_shm", shown)};
  }
  std::string names;
  for (const auto& o : outputs_) {
    names += (names.empty() ? "" : ", ") + (o->name.empty() ? std::string("(unnamed)") : o->name);
    if (!chosen_ && (config_.output.empty() || o->name == config_.output)) chosen_ = o.get();
  }
  if (!chosen_) {
    const std::string want = config_.output;
    disconnect();
    if (want.empty()) return Error{fmt::format("the Wayland compositor '{}' has no output", shown)};
    return Error{fmt::format("the Wayland compositor '{}' has no output named '{}' (it has: {})", shown, want,
                             names.empty() ? "none" : names)};
  }
  output_name_ = chosen_->name;
  request_frames();
  return {};
}

std::size_t WlrBackend::copies_wanted() const {
  // While a whole frame is awaited, and from version 1 compositors (no copy_with_damage), one
  // `copy`: a second one queued beside it would be answered at the same commit (the compositor's
  // damage for us is only cleared by a copy_with_damage).
  if (need_full_frame_ || manager_version_ < 2) return 1;
  return static_cast<std::size_t>(std::clamp(config_.queued_copies, 1, 2));
}

void WlrBackend::request_frames() {
  // Two copies, plus one spare frame whose buffer the compositor has described already, so that
  // when a copy becomes ready its successor is issued at once, without a round trip. While the
  // whole first frame is awaited only one is copied, the others wait described.
  const std::size_t want = config_.queued_copies >= 2 ? 3 : 1;
  auto waiting = static_cast<std::size_t>(
      std::count_if(queued_.begin(), queued_.end(), [](const auto& f) { return !f->ready; }));
  for (; waiting < want; ++waiting) {
    auto f = std::make_unique<Frame>();
    f->self = this;
    f->frame =
        zwlr_screencopy_manager_v1_capture_output(manager_, config_.overlay_cursor ? 1 : 0, chosen_->output);
    zwlr_screencopy_frame_v1_add_listener(f->frame, &kFrameListener, f.get());
    f->geometry = geometry_;
    queued_.push_back(std::move(f));
  }
  wl_display_flush(display_);
}

void WlrBackend::restart_requests() {
  // The copies already answered stay in queued_ until capture() drops them as stale.
  std::erase_if(queued_, [&](std::unique_ptr<Frame>& f) {
    if (f->ready) return false;
    destroy_frame(f);
    return true;
  });
  ++geometry_;
  need_full_frame_ = true;
  request_frames();
}

bool WlrBackend::stale(const Frame& frame) const {
  return frame.geometry != geometry_ || chosen_->announcing();
}

void WlrBackend::on_buffer_done(Frame* frame) {
  if (frame->described) return;
  frame->described = true;
  if (!frame->have_buffer) {
    frame->failed = true;
    frame->why = "the compositor offers no shared-memory buffer for this output";
    return;
  }
  issue_copies();
}

void WlrBackend::issue_copies() {
  auto copying = static_cast<std::size_t>(
      std::count_if(queued_.begin(), queued_.end(), [](const auto& f) { return f->copying && !f->ready; }));
  for (auto& f : queued_) {
    if (copying >= copies_wanted()) break;
    if (!f->described || f->copying || f->failed) continue;
    if (!copy(*f)) break;
    ++copying;
  }
  wl_display_flush(display_);
}

bool WlrBackend::copy(Frame& frame) {
  if (!pool_ || !pool_->matches(frame)) {
    // A new geometry: new buffers (the old ones stay alive while the current frame uses them).
    auto pool = std::make_shared<Pool>();
    pool->format = frame.format;
    pool->width = frame.width;
    pool->height = frame.height;
    pool->stride = frame.stride;
    pool->size = std::size_t{frame.stride} * frame.height * kBuffers;
    const int fd = ::memfd_create("kagami-wlr-capture", MFD_CLOEXEC);
    void* map = MAP_FAILED;
    if (fd >= 0 && ::ftruncate(fd, static_cast<off_t>(pool->size)) == 0) {
      map = ::mmap(nullptr, pool->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    }
    if (map == MAP_FAILED || pool->size > 0x7fffffff) {
      if (fd >= 0) ::close(fd);
      if (map != MAP_FAILED) ::munmap(map, pool->size);
      frame.failed = true;
      frame.why = fmt::format("cannot allocate {} bytes of shared memory for the capture", pool->size);
      return false;
    }
    pool->data = static_cast<std::byte*>(map);
    pool->pool = wl_shm_create_pool(shm_, fd, static_cast<std::int32_t>(pool->size));
    ::close(fd);  // the compositor has its own reference now
    for (int i = 0; i < kBuffers; ++i) {
      pool->buffers[i] = wl_shm_pool_create_buffer(
          pool->pool, static_cast<std::int32_t>(static_cast<std::size_t>(i) * frame.stride * frame.height),
          static_cast<std::int32_t>(frame.width), static_cast<std::int32_t>(frame.height),
          static_cast<std::int32_t>(frame.stride), frame.format);
    }
    pool_ = std::move(pool);
  }
  // Never the buffer read_pixels reads from, nor one a ready or queued copy holds; none free
  // (a ready copy not taken yet): the copy waits for the next capture().
  const int slot = free_slot();
  if (slot < 0) return false;
  frame.pool = pool_;
  frame.slot = slot;
  frame.copying = true;
  wl_buffer* buffer = pool_->buffers[slot];
  // The first frame must come now, changed or not; the rest only when something changed.
  if (manager_version_ >= 2 && !need_full_frame_) {
    zwlr_screencopy_frame_v1_copy_with_damage(frame.frame, buffer);
  } else {
    zwlr_screencopy_frame_v1_copy(frame.frame, buffer);
  }
  return true;
}

bool WlrBackend::dispatch_until(std::chrono::steady_clock::time_point deadline) {
  while (wl_display_prepare_read(display_) != 0) {
    if (wl_display_dispatch_pending(display_) < 0) return false;
  }
  if (wl_display_flush(display_) < 0 && errno != EAGAIN) {
    wl_display_cancel_read(display_);
    return false;
  }
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  pollfd fd{wl_display_get_fd(display_), POLLIN, 0};
  const int r = ::poll(&fd, 1, static_cast<int>(std::max<long long>(left.count(), 0)));
  if (r > 0 && (fd.revents & POLLIN)) {
    if (wl_display_read_events(display_) < 0) return false;
  } else {
    wl_display_cancel_read(display_);
    if (r > 0) return false;  // POLLERR / POLLHUP
  }
  return wl_display_dispatch_pending(display_) >= 0;
}

CaptureStatus WlrBackend::capture(std::chrono::milliseconds timeout, CaptureEvent* event) {
  *event = CaptureEvent{};
  if (!display_) return lost("not connected");
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (chosen_removed_) return lost(fmt::format("output {} went away", output_name_));
    if (chosen_->changed) {
      // A new mode or transform: the copies queued have the old geometry. Ask again, at once.
      chosen_->changed = false;
      restart_requests();
    }
    // Copies of a stale geometry, answered or failed, are dropped, never shown: their pixels are
    // of the old buffer size, and a copy_with_damage answered took this client's damage from the
    // compositor. Had it ended the wait for a whole frame, the copies of the new geometry would
    // wait for damage that a static screen never brings: no frame of the new size, ever. If the
    // copies now requested are such copy_with_damage ones (the change is still being
    // announced), they are asked again as a whole frame; else the next copy is asked for.
    bool dropped = false;
    for (auto it = queued_.begin(); it != queued_.end();) {
      if (((*it)->ready || (*it)->failed) && stale(**it)) {
        destroy_frame(*it);
        it = queued_.erase(it);
        dropped = true;
      } else {
        ++it;
      }
    }
    if (dropped && !need_full_frame_) {
      restart_requests();
    } else if (dropped) {
      issue_copies();
      request_frames();
    }
    for (auto& f : queued_) {
      if (!f->failed) continue;
      std::string why =
          f->why.empty() ? fmt::format("the compositor could not copy output {} (disabled or mode change?)",
                                       output_name_)
                         : f->why;
      destroy_queued();
      return lost(std::move(why));
    }
    // Every copy that is ready now (usually one; more when the agent was away for several
    // commits): the newest is shown, with the damage of all.
    std::unique_ptr<Frame> newest;
    std::vector<Rect> damage;
    bool full = false;
    for (auto it = queued_.begin(); it != queued_.end();) {
      if (!(*it)->ready) {
        ++it;
        continue;
      }
      Frame& f = **it;
      zwlr_screencopy_frame_v1_destroy(f.frame);
      f.frame = nullptr;
      if (newest && (newest->width != f.width || newest->height != f.height || newest->format != f.format ||
                     newest->y_invert != f.y_invert)) {
        full = true;
      }
      for (Rect r : f.damage) {
        r = clip(r, f.width, f.height);
        if (f.y_invert) r.y = f.height - r.y - r.height;
        add_rect(damage, r);
      }
      newest = std::move(*it);
      it = queued_.erase(it);
    }
    if (newest) {
      const auto source = source_format_from_drm(drm_fourcc_of_shm(newest->format));
      if (!source) {
        error_ = fmt::format("unsupported pixel format {} from the compositor",
                             fourcc_name(drm_fourcc_of_shm(newest->format)));
        return CaptureStatus::error;
      }
      FrameFormat format;
      format.type = source_format_info(*source).frame_type;
      format.width = newest->width;
      format.height = newest->height;
      format.pitch = newest->width * 4;
      full = full || need_full_frame_ || !(format == format_) || manager_version_ < 2 ||
             (current_ && current_->y_invert != newest->y_invert);
      current_ = std::move(newest);  // the previous frame's buffer is free again
      format_ = format;
      source_ = *source;
      need_full_frame_ = false;
      // At once: the compositor may commit again before capture() is called.
      issue_copies();
      request_frames();

      event->frame = true;
      event->format = format;
      event->full_damage = full;
      if (!full) {
        event->damage = std::move(damage);
        if (event->damage.empty()) event->frame = false;  // nothing visible changed
      }
      if (event->frame) return CaptureStatus::ok;
    }
    if (std::chrono::steady_clock::now() >= deadline) return CaptureStatus::timeout;
    if (!dispatch_until(deadline)) {
      return lost(fmt::format("the Wayland compositor closed the connection ({})",
                              std::strerror(wl_display_get_error(display_))));
    }
  }
}

CaptureStatus WlrBackend::read_pixels(const FrameTarget& target, std::span<const Rect> rects) {
  if (!current_) {
    error_ = "read_pixels before the first frame";
    return CaptureStatus::error;
  }
  if (target.pitch != format_.pitch) {
    error_ = fmt::format("frame pitch {} does not match the output ({} bytes per row)", target.pitch,
                         format_.pitch);
    return CaptureStatus::error;
  }
  const Pool& pool = *current_->pool;
  const std::byte* source = pool.slot(current_->slot);
  const std::uint32_t bpp = source_format_info(source_).bytes_per_pixel;
  const auto rows = static_cast<std::uint32_t>(
      std::min<std::uint64_t>(format_.height, target.pixels.size() / target.pitch));
  copy_rects_in_order(
      rects_to_copy(rects, format_.width, format_.height, rows), target.pitch, rows,
      [&](const Rect& r) {
        for (std::uint32_t y = r.y; y < r.y + r.height; ++y) {
          const std::uint32_t from = current_->y_invert ? format_.height - 1 - y : y;
          convert_row(source_, source + std::size_t{from} * pool.stride + std::size_t{r.x} * bpp,
                      target.pixels.data() + std::size_t{y} * target.pitch + std::size_t{r.x} * 4, r.width);
        }
      },
      target.progress);
  return CaptureStatus::ok;
}

}  // namespace kagami::capture
