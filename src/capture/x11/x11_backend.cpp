#include "capture/x11/x11_backend.h"

#include <fmt/format.h>
#include <poll.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xcb/damage.h>
#include <xcb/randr.h>
#include <xcb/shm.h>
#include <xcb/xcb.h>
#include <xcb/xfixes.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>

#include "capture/rects.h"
#include "capture/x11/x11_outputs.h"

namespace kagami::capture {

namespace {

constexpr std::uint32_t kBandBytes = 2u << 20;  // the write pointer moves after each ~2 MiB band
// With an output: how often its placement is checked when no RandR event said it changed (a
// server need not send one for `xrandr --setmonitor`).
constexpr std::chrono::seconds kOutputCheck{1};

template <class T>
using Reply = std::unique_ptr<T, decltype(&std::free)>;
template <class T>
Reply<T> reply(T* r) {
  return Reply<T>(r, &std::free);
}

// Splits row bands into pieces of about kBandBytes, full width.
std::vector<Rect> full_width_bands(std::span<const Rect> rects, std::uint32_t width, std::uint32_t rows,
                                   std::uint32_t pitch) {
  std::vector<Rect> all;
  if (rects.empty()) {
    all.push_back(Rect{0, 0, width, rows});
  } else {
    for (const RowBand& b : row_bands(rects, rows)) all.push_back(Rect{0, b.y, width, b.height});
  }
  const std::uint32_t step = std::max<std::uint32_t>(1, kBandBytes / pitch);
  std::vector<Rect> bands;
  for (const Rect& r : all) {
    for (std::uint32_t y = r.y; y < r.y + r.height; y += step) {
      bands.push_back(Rect{0, y, width, std::min(step, r.y + r.height - y)});
    }
  }
  return bands;
}

}  // namespace

X11Backend::X11Backend(X11Config config) : config_(std::move(config)) {}

X11Backend::~X11Backend() { disconnect(); }

void X11Backend::disconnect() {
  if (private_pixels_) ::munmap(private_pixels_, private_size_);
  private_pixels_ = nullptr;
  private_size_ = 0;
  private_segment_ = region_segment_ = 0;
  attached_fd_ = -1;
  std::lock_guard lock(conn_mutex_);
  if (conn_) xcb_disconnect(conn_);  // the server drops our segments, damage and regions with us
  conn_ = nullptr;
}

CaptureStatus X11Backend::lost(std::string why) {
  error_ = std::move(why);
  return CaptureStatus::reinit;
}

Result<void> X11Backend::start() {
  disconnect();
  int screen_number = 0;
  // Connected and its root found before either is published: set_cursor_position (timer
  // thread) reads conn_ and root_ together under conn_mutex_.
  xcb_connection_t* conn = nullptr;
  {
    // xcb_connect reads the X authority file through libXau, whose XauFileName keeps its answer in
    // a static buffer: the backends of several outputs (a thread each, agent/multi_output.cpp)
    // connecting at once wrote it together (found by ThreadSanitizer). One connect at a time.
    static std::mutex connecting;
    std::lock_guard lock(connecting);
    conn = xcb_connect(config_.display.empty() ? nullptr : config_.display.c_str(), &screen_number);
  }
  const char* shown = config_.display.empty() ? std::getenv("DISPLAY") : config_.display.c_str();
  if (xcb_connection_has_error(conn)) {
    xcb_disconnect(conn);
    return Error{
        fmt::format("cannot connect to the X server {} (is it running, and DISPLAY/--display right?)",
                    shown ? shown : "(DISPLAY unset)")};
  }
  xcb_screen_iterator_t it = xcb_setup_roots_iterator(xcb_get_setup(conn));
  for (int i = 0; i < screen_number && it.rem; ++i) xcb_screen_next(&it);
  if (!it.rem) {
    xcb_disconnect(conn);
    return Error{fmt::format("the X server {} has no screen {}", shown ? shown : "", screen_number)};
  }
  xcb_screen_t* screen = it.data;
  {
    std::lock_guard lock(conn_mutex_);
    conn_ = conn;
    root_ = screen->root;
  }
  width_ = root_width_ = screen->width_in_pixels;
  height_ = root_height_ = screen->height_in_pixels;
  {
    std::lock_guard lock(conn_mutex_);
    origin_x_ = origin_y_ = 0;
  }
  output_.reset();

  // Only 24/32-bit TrueColor with red in bits 16-23 maps to KVMFR BGRA without a conversion.
  bool bgra = false;
  for (auto f = xcb_setup_pixmap_formats_iterator(xcb_get_setup(conn_)); f.rem; xcb_format_next(&f)) {
    if (f.data->depth == screen->root_depth && f.data->bits_per_pixel == 32) bgra = true;
  }
  for (auto d = xcb_screen_allowed_depths_iterator(screen); d.rem && bgra; xcb_depth_next(&d)) {
    for (auto v = xcb_depth_visuals_iterator(d.data); v.rem; xcb_visualtype_next(&v)) {
      if (v.data->visual_id == screen->root_visual) {
        bgra = v.data->red_mask == 0xff0000 && v.data->green_mask == 0xff00 && v.data->blue_mask == 0xff;
      }
    }
  }
  if (!bgra) {
    const std::string d = shown ? shown : "";
    disconnect();
    return Error{
        fmt::format("X server {}: unsupported root visual (depth {}); kagami captures 24/32-bit "
                    "TrueColor with 8-bit channels",
                    d, screen->root_depth)};
  }

  if (!config_.output.empty()) {
    if (auto r = find_output(); !r) {
      disconnect();
      return r;
    }
    randr_event_ = xcb_get_extension_data(conn_, &xcb_randr_id)->first_event;
    xcb_randr_select_input(conn_, root_,
                           XCB_RANDR_NOTIFY_MASK_SCREEN_CHANGE | XCB_RANDR_NOTIFY_MASK_CRTC_CHANGE);
    next_output_check_ = std::chrono::steady_clock::now() + kOutputCheck;
  }

  const std::uint32_t events = XCB_EVENT_MASK_STRUCTURE_NOTIFY;
  xcb_change_window_attributes(conn_, root_, XCB_CW_EVENT_MASK, &events);

  shm_ = false;
  if (config_.use_shm && xcb_get_extension_data(conn_, &xcb_shm_id)->present) {
    auto version = reply(xcb_shm_query_version_reply(conn_, xcb_shm_query_version(conn_), nullptr));
    // Attaching an fd needs MIT-SHM 1.2.
    shm_ = version && (version->major_version > 1 || version->minor_version >= 2);
  }
  xfixes_ = false;
  if (xcb_get_extension_data(conn_, &xcb_xfixes_id)->present) {
    auto version =
        reply(xcb_xfixes_query_version_reply(conn_, xcb_xfixes_query_version(conn_, 5, 0), nullptr));
    xfixes_ = version && version->major_version >= 2;
    xfixes_event_ = xcb_get_extension_data(conn_, &xcb_xfixes_id)->first_event;
  }
  if (xfixes_) {
    xcb_xfixes_select_cursor_input(conn_, root_, XCB_XFIXES_CURSOR_NOTIFY_MASK_DISPLAY_CURSOR);
  }
  damage_ext_ = false;
  if (config_.use_damage && xfixes_ && xcb_get_extension_data(conn_, &xcb_damage_id)->present) {
    auto version =
        reply(xcb_damage_query_version_reply(conn_, xcb_damage_query_version(conn_, 1, 1), nullptr));
    if (version) {
      damage_ext_ = true;
      damage_event_ = xcb_get_extension_data(conn_, &xcb_damage_id)->first_event;
      damage_ = xcb_generate_id(conn_);
      xcb_damage_create(conn_, damage_, root_, XCB_DAMAGE_REPORT_LEVEL_NON_EMPTY);
      region_ = xcb_generate_id(conn_);
      xcb_xfixes_create_region(conn_, region_, 0, nullptr);
    }
  }
  xcb_flush(conn_);
  need_full_frame_ = true;
  size_changed_ = false;
  have_pointer_ = false;
  next_poll_ = {};
  return {};
}

Result<void> X11Backend::find_output() {
  auto monitors = list_monitors(conn_, root_);
  if (!monitors) return Error{monitors.error().message};
  auto picked = pick_monitor(*monitors, config_.output, root_width_, root_height_);
  if (!picked) return Error{picked.error().message};
  output_ = std::move(*picked);
  {
    std::lock_guard lock(conn_mutex_);
    origin_x_ = output_->rect.x;
    origin_y_ = output_->rect.y;
  }
  width_ = output_->rect.width;
  height_ = output_->rect.height;
  check_output_ = false;
  return {};
}

bool X11Backend::output_moved() {
  auto monitors = list_monitors(conn_, root_);
  if (!monitors) return true;
  auto picked = pick_monitor(*monitors, config_.output, root_width_, root_height_);
  return !picked || !(*picked == *output_);
}

bool X11Backend::on_output(std::int32_t x, std::int32_t y) const {
  return x >= origin_x_ && y >= origin_y_ && std::int64_t{x} < std::int64_t{origin_x_} + width_ &&
         std::int64_t{y} < std::int64_t{origin_y_} + height_;
}

void X11Backend::handle_events(bool* damaged, bool* cursor_changed) {
  while (xcb_generic_event_t* raw = xcb_poll_for_event(conn_)) {
    std::unique_ptr<xcb_generic_event_t, decltype(&std::free)> event(raw, &std::free);
    const std::uint8_t type = event->response_type & 0x7f;
    if (damage_ext_ && type == damage_event_ + XCB_DAMAGE_NOTIFY) {
      *damaged = true;
    } else if (xfixes_ && type == xfixes_event_ + XCB_XFIXES_CURSOR_NOTIFY) {
      *cursor_changed = true;
    } else if (output_ && type == randr_event_ + XCB_RANDR_SCREEN_CHANGE_NOTIFY) {
      check_output_ = true;
    } else if (output_ && type == XCB_CONFIGURE_NOTIFY) {
      const auto* configure = reinterpret_cast<xcb_configure_notify_event_t*>(event.get());
      if (configure->window == root_) {
        root_width_ = configure->width;
        root_height_ = configure->height;
        check_output_ = true;
      }
    } else if (type == XCB_CONFIGURE_NOTIFY) {
      const auto* configure = reinterpret_cast<xcb_configure_notify_event_t*>(event.get());
      if (configure->window == root_ && (configure->width != width_ || configure->height != height_)) {
        width_ = configure->width;
        height_ = configure->height;
        size_changed_ = true;
      }
    }
  }
}

bool X11Backend::fetch_damage(std::vector<Rect>* rects) {
  xcb_damage_subtract(conn_, damage_, XCB_NONE, region_);
  auto r = reply(xcb_xfixes_fetch_region_reply(conn_, xcb_xfixes_fetch_region(conn_, region_), nullptr));
  if (!r) return false;
  const xcb_rectangle_t* list = xcb_xfixes_fetch_region_rectangles(r.get());
  const int count = xcb_xfixes_fetch_region_rectangles_length(r.get());
  for (int i = 0; i < count; ++i) {
    // Root coordinates -> frame coordinates (the output's origin), clipped to the frame.
    const std::int64_t x0 = std::clamp<std::int64_t>(std::int64_t{list[i].x} - origin_x_, 0, width_);
    const std::int64_t y0 = std::clamp<std::int64_t>(std::int64_t{list[i].y} - origin_y_, 0, height_);
    const std::int64_t x1 =
        std::clamp<std::int64_t>(std::int64_t{list[i].x} + list[i].width - origin_x_, 0, width_);
    const std::int64_t y1 =
        std::clamp<std::int64_t>(std::int64_t{list[i].y} + list[i].height - origin_y_, 0, height_);
    if (x1 <= x0 || y1 <= y0) continue;  // damage on another output
    add_rect(*rects, Rect{static_cast<std::uint32_t>(x0), static_cast<std::uint32_t>(y0),
                          static_cast<std::uint32_t>(x1 - x0), static_cast<std::uint32_t>(y1 - y0)});
  }
  return true;
}

bool X11Backend::fetch_cursor_shape(protocol::CursorUpdate* update) {
  auto image = reply(xcb_xfixes_get_cursor_image_reply(conn_, xcb_xfixes_get_cursor_image(conn_), nullptr));
  if (!image) return false;
  // KVMFR shapes are at most 512 x 512; larger cursors are cut (none are in practice).
  const std::uint32_t w = std::min<std::uint32_t>(image->width, 512);
  const std::uint32_t h = std::min<std::uint32_t>(image->height, 512);
  const std::uint32_t* argb = xcb_xfixes_get_cursor_image_cursor_image(image.get());
  protocol::CursorShape shape;
  shape.type = protocol::CursorType::color;
  shape.width = w;
  shape.height = h;
  shape.pitch = w * 4;
  shape.hotspot_x = static_cast<std::int8_t>(std::min<int>(image->xhot, 127));
  shape.hotspot_y = static_cast<std::int8_t>(std::min<int>(image->yhot, 127));
  shape.data.resize(std::size_t{w} * h * 4);
  bool any_visible = false;
  for (std::uint32_t y = 0; y < h; ++y) {
    for (std::uint32_t x = 0; x < w; ++x) {
      const std::uint32_t p = argb[std::size_t{y} * image->width + x];
      // X gives premultiplied alpha; KVMFR COLOR is blended with straight alpha.
      const std::uint32_t a = p >> 24;
      std::uint8_t* out = &shape.data[(std::size_t{y} * w + x) * 4];
      for (int c = 0; c < 3; ++c) {
        const std::uint32_t v = (p >> (8 * c)) & 0xff;
        out[c] = static_cast<std::uint8_t>(a == 0 ? 0 : std::min<std::uint32_t>(255, v * 255 / a));
      }
      out[3] = static_cast<std::uint8_t>(a);
      any_visible |= a != 0;
    }
  }
  update->shape = std::move(shape);
  hotspot_x_ = static_cast<std::int16_t>(image->xhot);
  hotspot_y_ = static_cast<std::int16_t>(image->yhot);
  update->has_position = true;
  // KVMFR (as DXGI, and as clients draw it) places the shape's top-left corner, not the hotspot.
  update->x = static_cast<std::int16_t>(image->x - origin_x_ - hotspot_x_);
  update->y = static_cast<std::int16_t>(image->y - origin_y_ - hotspot_y_);
  // A hidden cursor (XFixesHideCursor, an empty cursor) has no opaque pixel; with an output,
  // only the output that holds the pointer shows it.
  pointer_visible_ = any_visible;
  update->visible = pointer_visible_ && on_output(image->x, image->y);
  pointer_x_ = image->x;
  pointer_y_ = image->y;
  have_pointer_ = true;
  return true;
}

bool X11Backend::poll_pointer(protocol::CursorUpdate* update) {
  auto p = reply(xcb_query_pointer_reply(conn_, xcb_query_pointer(conn_, root_), nullptr));
  if (!p) return false;
  if (have_pointer_ && p->root_x == pointer_x_ && p->root_y == pointer_y_) return false;
  pointer_x_ = p->root_x;
  pointer_y_ = p->root_y;
  have_pointer_ = true;
  update->has_position = true;
  update->x = static_cast<std::int16_t>(pointer_x_ - origin_x_ - hotspot_x_);
  update->y = static_cast<std::int16_t>(pointer_y_ - origin_y_ - hotspot_y_);
  update->visible = (pointer_visible_ || !xfixes_) && on_output(pointer_x_, pointer_y_);
  return true;
}

CaptureStatus X11Backend::capture(std::chrono::milliseconds timeout, CaptureEvent* event) {
  *event = CaptureEvent{};
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool damaged = false, cursor_changed = need_full_frame_ && xfixes_;
  for (;;) {
    if (xcb_connection_has_error(conn_)) return lost("the X server closed the connection");
    handle_events(&damaged, &cursor_changed);
    const auto now = std::chrono::steady_clock::now();
    if (output_ && (check_output_ || now >= next_output_check_)) {
      check_output_ = false;
      next_output_check_ = now + kOutputCheck;
      if (output_moved()) return lost(fmt::format("output '{}' changed or went away", config_.output));
    }

    protocol::CursorUpdate cursor;
    bool have_cursor = false;
    if (cursor_changed) have_cursor = fetch_cursor_shape(&cursor);
    cursor_changed = false;
    if (now >= next_poll_) {
      next_poll_ = now + config_.poll_interval;
      if (!have_cursor) have_cursor = poll_pointer(&cursor);
      if (!damage_ext_) damaged = true;  // nothing tells us what changed: poll full frames
    }
    if (have_cursor) event->cursor = std::move(cursor);

    if (need_full_frame_ || size_changed_ || damaged) {
      event->frame = true;
      event->format.type = protocol::FrameType::bgra;
      event->format.width = width_;
      event->format.height = height_;
      event->format.pitch = width_ * 4;
      event->full_damage = need_full_frame_ || size_changed_ || !damage_ext_;
      if (damage_ext_ && !fetch_damage(&event->damage)) return lost("the X server stopped answering");
      if (event->full_damage) event->damage.clear();
      need_full_frame_ = size_changed_ = false;
      // Damage can be reported for an area that has already been repaired (nothing to show).
      if (!event->full_damage && event->damage.empty()) event->frame = false;
    }
    if (event->frame || event->cursor) return CaptureStatus::ok;
    if (now >= deadline) return CaptureStatus::timeout;

    const auto wake = std::min(deadline, next_poll_);
    pollfd fd{xcb_get_file_descriptor(conn_), POLLIN, 0};
    const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(wake - now).count();
    ::poll(&fd, 1, static_cast<int>(std::max<long long>(wait, 0) + 1));
  }
}

bool X11Backend::attach_region(const FrameTarget& target) {
  if (target.region_fd < 0) return false;
  if (attached_fd_ == target.region_fd) return true;
  const int fd = ::dup(target.region_fd);  // xcb closes the fd it sends
  if (fd < 0) return false;
  const std::uint32_t segment = xcb_generate_id(conn_);
  xcb_generic_error_t* err = xcb_request_check(conn_, xcb_shm_attach_fd_checked(conn_, segment, fd, 0));
  if (err) {
    std::free(err);
    return false;
  }
  if (region_segment_) xcb_shm_detach(conn_, region_segment_);
  region_segment_ = segment;
  attached_fd_ = target.region_fd;
  return true;
}

bool X11Backend::ensure_private_segment() {
  const std::size_t needed = std::size_t{width_} * height_ * 4;
  if (private_pixels_ && private_size_ >= needed) return true;
  if (private_pixels_) {
    xcb_shm_detach(conn_, private_segment_);
    ::munmap(private_pixels_, private_size_);
    private_pixels_ = nullptr;
  }
  const int fd = ::memfd_create("kagami-x11-capture", MFD_CLOEXEC);
  if (fd < 0) return false;
  if (::ftruncate(fd, static_cast<off_t>(needed)) != 0) {
    ::close(fd);
    return false;
  }
  void* map = ::mmap(nullptr, needed, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED) {
    ::close(fd);
    return false;
  }
  private_segment_ = xcb_generate_id(conn_);
  xcb_generic_error_t* err =
      xcb_request_check(conn_, xcb_shm_attach_fd_checked(conn_, private_segment_, fd, 0));
  if (err) {
    std::free(err);
    ::munmap(map, needed);
    return false;
  }
  private_pixels_ = static_cast<std::byte*>(map);
  private_size_ = needed;
  return true;
}

CaptureStatus X11Backend::read_bands_shm(const FrameTarget& target, std::uint32_t segment, bool direct,
                                         const std::vector<Rect>& bands) {
  // All requests first, then the replies in order: the server works while we wait.
  std::vector<xcb_shm_get_image_cookie_t> cookies;
  cookies.reserve(bands.size());
  for (const Rect& b : bands) {
    const std::uint64_t offset = (direct ? target.region_offset : 0) + std::uint64_t{b.y} * target.pitch;
    cookies.push_back(xcb_shm_get_image(conn_, root_, static_cast<std::int16_t>(origin_x_),
                                        static_cast<std::int16_t>(origin_y_ + static_cast<std::int32_t>(b.y)),
                                        static_cast<std::uint16_t>(b.width),
                                        static_cast<std::uint16_t>(b.height), ~0u, XCB_IMAGE_FORMAT_Z_PIXMAP,
                                        segment, static_cast<std::uint32_t>(offset)));
  }
  xcb_flush(conn_);
  for (std::size_t i = 0; i < bands.size(); ++i) {
    xcb_generic_error_t* err = nullptr;
    auto r = reply(xcb_shm_get_image_reply(conn_, cookies[i], &err));
    if (!r) {
      std::free(err);
      // The screen shrank under us (a resize is on its way) or the server went away.
      if (xcb_connection_has_error(conn_)) return lost("the X server closed the connection");
      need_full_frame_ = true;
      continue;
    }
    const Rect& b = bands[i];
    if (!direct) {
      std::memcpy(target.pixels.data() + std::size_t{b.y} * target.pitch,
                  private_pixels_ + std::size_t{b.y} * target.pitch, std::size_t{b.height} * target.pitch);
    }
    if (target.progress) target.progress(std::uint64_t{b.y + b.height} * target.pitch);
  }
  return CaptureStatus::ok;
}

CaptureStatus X11Backend::read_bands_plain(const FrameTarget& target, const std::vector<Rect>& bands) {
  for (const Rect& b : bands) {
    xcb_generic_error_t* err = nullptr;
    auto r = reply(xcb_get_image_reply(
        conn_,
        xcb_get_image(conn_, XCB_IMAGE_FORMAT_Z_PIXMAP, root_, static_cast<std::int16_t>(origin_x_),
                      static_cast<std::int16_t>(origin_y_ + static_cast<std::int32_t>(b.y)),
                      static_cast<std::uint16_t>(b.width), static_cast<std::uint16_t>(b.height), ~0u),
        &err));
    if (!r) {
      std::free(err);
      if (xcb_connection_has_error(conn_)) return lost("the X server closed the connection");
      need_full_frame_ = true;
      continue;
    }
    const std::size_t bytes =
        std::min<std::size_t>(xcb_get_image_data_length(r.get()), std::size_t{b.height} * target.pitch);
    std::memcpy(target.pixels.data() + std::size_t{b.y} * target.pitch, xcb_get_image_data(r.get()), bytes);
    if (target.progress) target.progress(std::uint64_t{b.y + b.height} * target.pitch);
  }
  return CaptureStatus::ok;
}

CaptureStatus X11Backend::read_pixels(const FrameTarget& target, std::span<const Rect> rects) {
  if (target.pitch != width_ * 4) {
    error_ =
        fmt::format("frame pitch {} does not match the screen ({} bytes per row)", target.pitch, width_ * 4);
    return CaptureStatus::error;
  }
  const std::uint32_t rows =
      static_cast<std::uint32_t>(std::min<std::uint64_t>(height_, target.pixels.size() / target.pitch));
  const std::vector<Rect> bands = full_width_bands(rects, width_, rows, target.pitch);
  CaptureStatus status;
  // The request's offset is 32-bit: a frame slot beyond 4 GiB goes through a private segment.
  const bool direct_fits = target.region_offset + target.pixels.size() <= 0xFFFFFFFFull;
  if (shm_ && direct_fits && attach_region(target)) {
    status = read_bands_shm(target, region_segment_, true, bands);
  } else if (shm_ && ensure_private_segment()) {
    status = read_bands_shm(target, private_segment_, false, bands);
  } else {
    status = read_bands_plain(target, bands);
  }
  if (status == CaptureStatus::ok && target.progress) target.progress(std::uint64_t{rows} * target.pitch);
  return status;
}

void X11Backend::set_cursor_position(std::int32_t x, std::int32_t y) {
  // xcb connections are thread-safe; this comes from the agent's timer thread.
  std::lock_guard lock(conn_mutex_);
  if (!conn_) return;
  // Output coordinates -> root coordinates.
  xcb_warp_pointer(conn_, XCB_NONE, root_, 0, 0, 0, 0, static_cast<std::int16_t>(x + origin_x_),
                   static_cast<std::int16_t>(y + origin_y_));
  xcb_flush(conn_);
}

}  // namespace kagami::capture
