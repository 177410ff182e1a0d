#include "wayland_painter.h"

#include <poll.h>
#include <sys/mman.h>
#include <unistd.h>
#include <wayland-client.h>

#include <algorithm>
#include <cstring>

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
  }
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

bool WaylandPainter::commit_frame(std::uint32_t rgb, const std::function<void(std::uint32_t*)>& last) {
  std::fill(image_.begin(), image_.end(), rgb);
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
                            const std::function<void(std::uint32_t*)>& last) {
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
  wl_surface_commit(surface_);
  if (wl_display_flush(display_) < 0) {
    error_ = "the compositor closed the connection";
    return false;
  }
  return true;
}

}  // namespace kagami::testing
