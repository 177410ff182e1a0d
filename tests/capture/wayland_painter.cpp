#include "wayland_painter.h"

#include <poll.h>
#include <sys/mman.h>
#include <unistd.h>
#include <wayland-client.h>

#include <algorithm>
#include <cstring>
#include <ctime>

// The generated header names a function like its struct (wp_presentation_feedback): -Wshadow.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wshadow"
#include "presentation-time-client-protocol.h"
#pragma GCC diagnostic pop
#include "xdg-shell-client-protocol.h"

namespace kagami::testing {

namespace {

void global(void* data, wl_registry* registry, std::uint32_t name, const char* interface,
            std::uint32_t version) {
  static_cast<WaylandPainter*>(data)->on_global(registry, name, interface, version);
}
void global_remove(void*, wl_registry*, std::uint32_t) {}
const wl_registry_listener kRegistry{global, global_remove};

void ping(void* data, xdg_wm_base*, std::uint32_t serial) {
  static_cast<WaylandPainter*>(data)->on_ping(serial);
}
const xdg_wm_base_listener kWmBase{ping};

void surface_configure(void* data, xdg_surface*, std::uint32_t serial) {
  static_cast<WaylandPainter*>(data)->on_surface_configure(serial);
}
const xdg_surface_listener kXdgSurface{surface_configure};

void toplevel_configure(void* data, xdg_toplevel*, std::int32_t width, std::int32_t height, wl_array*) {
  static_cast<WaylandPainter*>(data)->on_configure(width, height);
}
void toplevel_close(void*, xdg_toplevel*) {}
void toplevel_bounds(void*, xdg_toplevel*, std::int32_t, std::int32_t) {}
void toplevel_capabilities(void*, xdg_toplevel*, wl_array*) {}
const xdg_toplevel_listener kToplevel{toplevel_configure, toplevel_close, toplevel_bounds,
                                      toplevel_capabilities};

void buffer_release(void* data, wl_buffer*) { *static_cast<bool*>(data) = false; }
const wl_buffer_listener kBuffer{buffer_release};

void frame_done(void* data, wl_callback* callback, std::uint32_t) {
  *static_cast<bool*>(data) = true;
  wl_callback_destroy(callback);
}
const wl_callback_listener kFrameDone{frame_done};

std::uint64_t monotonic_now_ns() {
  timespec t{};
  ::clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<std::uint64_t>(t.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(t.tv_nsec);
}

// The feedback of one commit: which painter, which entry of presentations().
struct Feedback {
  WaylandPainter* painter;
  std::size_t index;
};
void feedback_sync_output(void*, struct wp_presentation_feedback*, wl_output*) {}
void feedback_presented(void* data, struct wp_presentation_feedback* feedback, std::uint32_t sec_hi,
                        std::uint32_t sec_lo, std::uint32_t nsec, std::uint32_t, std::uint32_t, std::uint32_t,
                        std::uint32_t) {
  auto* f = static_cast<Feedback*>(data);
  const std::uint64_t sec = (std::uint64_t{sec_hi} << 32) | sec_lo;
  f->painter->on_presented(f->index, sec * 1'000'000'000u + nsec);
  wp_presentation_feedback_destroy(feedback);
  delete f;
}
void feedback_discarded(void* data, struct wp_presentation_feedback* feedback) {
  auto* f = static_cast<Feedback*>(data);
  f->painter->on_discarded(f->index);
  wp_presentation_feedback_destroy(feedback);
  delete f;
}
const wp_presentation_feedback_listener kFeedback{feedback_sync_output, feedback_presented,
                                                  feedback_discarded};

// presentation-time reports on one clock; the benchmark compares with CLOCK_MONOTONIC.
void presentation_clock(void* data, wp_presentation*, std::uint32_t clock_id) {
  *static_cast<bool*>(data) = clock_id == CLOCK_MONOTONIC;
}
const wp_presentation_listener kPresentation{presentation_clock};

}  // namespace

WaylandPainter::WaylandPainter(const std::string& socket_path) {
  display_ = wl_display_connect(socket_path.c_str());
  if (!display_) {
    error_ = "cannot connect to " + socket_path;
    return;
  }
  registry_ = wl_display_get_registry(display_);
  wl_registry_add_listener(registry_, &kRegistry, this);
  wl_display_roundtrip(display_);
  wl_display_roundtrip(display_);  // the presentation clock
  if (presentation_ && !presentation_monotonic_) {
    wp_presentation_destroy(presentation_);
    presentation_ = nullptr;
  }
  if (!compositor_ || !shm_ || !wm_base_)
    error_ = "the compositor lacks wl_compositor, wl_shm or xdg_wm_base";
}

WaylandPainter::~WaylandPainter() {
  for (Buffer* b : buffers_) {
    wl_buffer_destroy(b->buffer);
    ::munmap(b->pixels, b->size);
    delete b;
  }
  if (toplevel_) xdg_toplevel_destroy(toplevel_);
  if (xdg_surface_) xdg_surface_destroy(xdg_surface_);
  if (surface_) wl_surface_destroy(surface_);
  if (wm_base_) xdg_wm_base_destroy(wm_base_);
  if (presentation_) wp_presentation_destroy(presentation_);
  if (shm_) wl_shm_destroy(shm_);
  if (compositor_) wl_compositor_destroy(compositor_);
  if (registry_) wl_registry_destroy(registry_);
  if (display_) wl_display_disconnect(display_);
}

void WaylandPainter::on_global(wl_registry* registry, std::uint32_t name, const char* interface,
                               std::uint32_t version) {
  const std::string_view i(interface);
  if (i == wl_compositor_interface.name) {
    compositor_ = static_cast<wl_compositor*>(wl_registry_bind(registry, name, &wl_compositor_interface, 4));
  } else if (i == wl_shm_interface.name) {
    shm_ = static_cast<wl_shm*>(wl_registry_bind(registry, name, &wl_shm_interface, 1));
  } else if (i == xdg_wm_base_interface.name) {
    wm_base_ = static_cast<xdg_wm_base*>(
        wl_registry_bind(registry, name, &xdg_wm_base_interface, std::min<std::uint32_t>(version, 2)));
    xdg_wm_base_add_listener(wm_base_, &kWmBase, this);
  } else if (i == wp_presentation_interface.name) {
    presentation_ =
        static_cast<wp_presentation*>(wl_registry_bind(registry, name, &wp_presentation_interface, 1));
    wp_presentation_add_listener(presentation_, &kPresentation, &presentation_monotonic_);
  }
}

void WaylandPainter::on_presented(std::size_t index, std::uint64_t ns) {
  presentations_[index].presented_ns = ns;
  --feedback_pending_;
}

void WaylandPainter::on_discarded(std::size_t index) {
  presentations_[index].discarded = true;
  --feedback_pending_;
}

void WaylandPainter::settle(int ms) {
  wl_display_roundtrip(display_);
  const std::uint64_t deadline = monotonic_now_ns() + static_cast<std::uint64_t>(ms) * 1'000'000u;
  while (feedback_pending_ > 0 && monotonic_now_ns() < deadline) dispatch(10);
}

void WaylandPainter::on_surface_configure(std::uint32_t serial) {
  xdg_surface_ack_configure(xdg_surface_, serial);
  configured_ = true;
}

void WaylandPainter::on_ping(std::uint32_t serial) { xdg_wm_base_pong(wm_base_, serial); }

bool WaylandPainter::show(const std::function<std::uint32_t(std::uint32_t, std::uint32_t)>& pixel) {
  if (!error_.empty()) return false;
  surface_ = wl_compositor_create_surface(compositor_);
  xdg_surface_ = xdg_wm_base_get_xdg_surface(wm_base_, surface_);
  xdg_surface_add_listener(xdg_surface_, &kXdgSurface, this);
  toplevel_ = xdg_surface_get_toplevel(xdg_surface_);
  xdg_toplevel_add_listener(toplevel_, &kToplevel, this);
  xdg_toplevel_set_title(toplevel_, "kagami test");
  wl_surface_commit(surface_);  // no buffer: asks for the first configure
  while (!configured_) {
    if (wl_display_dispatch(display_) < 0) {
      error_ = "the compositor closed the connection before configuring the window";
      return false;
    }
  }
  if (width_ == 0 || height_ == 0) {
    // sway sizes a tiled window only once it is mapped: map a small one, wait for the real size.
    width_ = height_ = 16;
    image_.assign(std::size_t{width_} * height_, pixel(0, 0));
    configured_ = false;
    if (!commit(0, 0, width_, height_)) return false;
    while (!configured_ || width_ == 16) {
      if (wl_display_dispatch(display_) < 0) {
        error_ = "the compositor closed the connection before sizing the window";
        return false;
      }
    }
  }
  image_.assign(std::size_t{width_} * height_, 0);
  for (std::uint32_t y = 0; y < height_; ++y) {
    for (std::uint32_t x = 0; x < width_; ++x) image_[std::size_t{y} * width_ + x] = pixel(x, y);
  }
  return commit(0, 0, width_, height_);
}

bool WaylandPainter::update(std::uint32_t x, std::uint32_t y, std::uint32_t w, std::uint32_t h,
                            std::uint32_t rgb) {
  for (std::uint32_t row = y; row < y + h && row < height_; ++row) {
    std::fill_n(&image_[std::size_t{row} * width_ + x], std::min(w, width_ - x), rgb);
  }
  return commit(x, y, w, h);
}

bool WaylandPainter::update_and_wait_drawn(std::uint32_t x, std::uint32_t y, std::uint32_t w, std::uint32_t h,
                                           std::uint32_t rgb) {
  for (std::uint32_t row = y; row < y + h && row < height_; ++row) {
    std::fill_n(&image_[std::size_t{row} * width_ + x], std::min(w, width_ - x), rgb);
  }
  // A commit's frame callback may come from the output frame that is already under way (sway
  // sends callbacks after rendering, to every surface that asked by then), so it is not proof
  // that the change was drawn: the callback of a second, empty commit is.
  bool drawn = false;
  if (!commit(x, y, w, h, {}, &drawn) || !wait_for(drawn)) return false;
  drawn = false;
  wl_callback_add_listener(wl_surface_frame(surface_), &kFrameDone, &drawn);
  wl_surface_commit(surface_);
  return wait_for(drawn);
}

bool WaylandPainter::wait_for(const bool& flag) {
  const std::uint64_t deadline = monotonic_now_ns() + 10'000'000'000u;
  while (!flag && monotonic_now_ns() < deadline) dispatch(100);
  if (!flag) error_ = "the compositor did not draw the change within 10 s";
  return flag;
}

void WaylandPainter::dispatch(int timeout_ms) {
  while (wl_display_prepare_read(display_) != 0) wl_display_dispatch_pending(display_);
  wl_display_flush(display_);
  pollfd readable{wl_display_get_fd(display_), POLLIN, 0};
  if (::poll(&readable, 1, timeout_ms) > 0) {
    wl_display_read_events(display_);
  } else {
    wl_display_cancel_read(display_);
  }
  wl_display_dispatch_pending(display_);
}

bool WaylandPainter::commit_frame(std::uint32_t rgb, const std::function<void(std::uint32_t*)>& last) {
  std::fill(image_.begin(), image_.end(), rgb);
  if (presentation_) {
    auto* feedback = new Feedback{this, presentations_.size()};
    wp_presentation_feedback_add_listener(wp_presentation_feedback(presentation_, surface_), &kFeedback,
                                          feedback);
    presentations_.push_back({});
    ++feedback_pending_;
  }
  return commit(0, 0, width_, height_, last);
}

WaylandPainter::Buffer* WaylandPainter::free_buffer() {
  // Read what arrived (buffer releases, pings) without blocking.
  while (wl_display_prepare_read(display_) != 0) wl_display_dispatch_pending(display_);
  wl_display_flush(display_);
  pollfd readable{wl_display_get_fd(display_), POLLIN, 0};
  if (::poll(&readable, 1, 0) > 0) {
    wl_display_read_events(display_);
  } else {
    wl_display_cancel_read(display_);
  }
  wl_display_dispatch_pending(display_);
  const std::size_t size = std::size_t{width_} * height_ * 4;
  for (Buffer* b : buffers_) {
    if (!b->busy && b->size == size) return b;
  }
  const int fd = ::memfd_create("kagami-test-painter", MFD_CLOEXEC);
  if (fd < 0 || ::ftruncate(fd, static_cast<off_t>(size)) != 0) return nullptr;
  void* map = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED) return nullptr;
  wl_shm_pool* pool = wl_shm_create_pool(shm_, fd, static_cast<std::int32_t>(size));
  ::close(fd);
  auto* b = new Buffer;
  b->buffer = wl_shm_pool_create_buffer(pool, 0, static_cast<std::int32_t>(width_),
                                        static_cast<std::int32_t>(height_),
                                        static_cast<std::int32_t>(width_ * 4), WL_SHM_FORMAT_XRGB8888);
  wl_shm_pool_destroy(pool);
  b->pixels = static_cast<std::uint32_t*>(map);
  b->size = size;
  wl_buffer_add_listener(b->buffer, &kBuffer, &b->busy);
  buffers_.push_back(b);
  return b;
}

bool WaylandPainter::commit(std::uint32_t x, std::uint32_t y, std::uint32_t w, std::uint32_t h,
                            const std::function<void(std::uint32_t*)>& last, bool* drawn) {
  Buffer* b = free_buffer();
  if (!b) {
    error_ = "cannot allocate a buffer";
    return false;
  }
  std::memcpy(b->pixels, image_.data(), b->size);
  if (last) last(b->pixels);
  b->busy = true;
  wl_surface_attach(surface_, b->buffer, 0, 0);
  wl_surface_damage_buffer(surface_, static_cast<std::int32_t>(x), static_cast<std::int32_t>(y),
                           static_cast<std::int32_t>(w), static_cast<std::int32_t>(h));
  if (drawn) wl_callback_add_listener(wl_surface_frame(surface_), &kFrameDone, drawn);
  if (last && !presentations_.empty()) presentations_.back().commit_ns = monotonic_now_ns();
  wl_surface_commit(surface_);
  if (wl_display_flush(display_) < 0) {
    error_ = "the compositor closed the connection";
    return false;
  }
  return true;
}

}  // namespace kagami::testing
