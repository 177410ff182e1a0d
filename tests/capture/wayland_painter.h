#pragma once
// A minimal Wayland client for tests: one xdg-shell toplevel whose pixels the test chooses.
// show() maps it with an image of the size the compositor configured (the whole output in the
// test session: no borders); update() changes one rectangle and tells the compositor exactly
// that damage. Pixels are XRGB8888 words 0x00RRGGBB.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

struct wl_display;
struct wl_registry;
struct wl_compositor;
struct wl_shm;
struct wl_surface;
struct wl_buffer;
struct xdg_wm_base;
struct xdg_surface;
struct xdg_toplevel;
struct wp_presentation;

namespace kagami::testing {

class WaylandPainter {
 public:
  // Connects to the socket at `socket_path` (absolute: works for any caller with access).
  explicit WaylandPainter(const std::string& socket_path);
  ~WaylandPainter();
  WaylandPainter(const WaylandPainter&) = delete;
  WaylandPainter& operator=(const WaylandPainter&) = delete;

  const std::string& error() const { return error_; }
  // Maps the window; its pixel (x, y) = pixel(x, y). False (error()) on failure.
  bool show(const std::function<std::uint32_t(std::uint32_t x, std::uint32_t y)>& pixel);
  // Commits the same image again, all damaged (for casts that send only changes).
  bool redraw() { return commit(0, 0, width_, height_); }
  // Fills a rectangle with `rgb` and commits it with that damage only.
  bool update(std::uint32_t x, std::uint32_t y, std::uint32_t w, std::uint32_t h, std::uint32_t rgb);
  // The same, then waits (up to 10 s) until the compositor has drawn the change into its output
  // (wl_surface.frame callbacks: see the .cpp file).
  bool update_and_wait_drawn(std::uint32_t x, std::uint32_t y, std::uint32_t w, std::uint32_t h,
                             std::uint32_t rgb);
  std::uint32_t width() const { return width_; }
  std::uint32_t height() const { return height_; }
  // What the window shows now, row by row.
  const std::vector<std::uint32_t>& image() const { return image_; }
  // Benchmarks: fills the window with `rgb`, then lets `last` draw into the buffer right before
  // the commit (a latency marker's timestamp), and commits the whole window as damaged.
  bool commit_frame(std::uint32_t rgb, const std::function<void(std::uint32_t* pixels)>& last);

  // Benchmarks: what the compositor did with each commit_frame, from wp_presentation feedback
  // (presentation-time): the commit's CLOCK_MONOTONIC time, and when the output showed it, or
  // that it was replaced by a later commit before any output showed it (discarded).
  struct Presentation {
    std::uint64_t commit_ns = 0;
    std::uint64_t presented_ns = 0;  // 0 while unknown or when discarded
    bool discarded = false;
  };
  bool has_presentation() const { return presentation_ != nullptr; }
  // One entry per commit_frame, in commit order; read after settle().
  const std::vector<Presentation>& presentations() const { return presentations_; }
  // Waits (a round trip, then up to `ms`) for the feedback of the last commits.
  void settle(int ms);

  // Listener plumbing (public for the C callbacks).
  void on_global(wl_registry* registry, std::uint32_t name, const char* interface, std::uint32_t version);
  void on_configure(std::int32_t width, std::int32_t height) {
    if (width > 0) width_ = static_cast<std::uint32_t>(width);
    if (height > 0) height_ = static_cast<std::uint32_t>(height);
  }
  void on_surface_configure(std::uint32_t serial);
  void on_ping(std::uint32_t serial);
  void on_presented(std::size_t index, std::uint64_t ns);
  void on_discarded(std::size_t index);

 private:
  bool commit(std::uint32_t x, std::uint32_t y, std::uint32_t w, std::uint32_t h,
              const std::function<void(std::uint32_t*)>& last = {}, bool* drawn = nullptr);

  std::string error_;
  wl_display* display_ = nullptr;
  wl_registry* registry_ = nullptr;
  wl_compositor* compositor_ = nullptr;
  wl_shm* shm_ = nullptr;
  xdg_wm_base* wm_base_ = nullptr;
  wl_surface* surface_ = nullptr;
  xdg_surface* xdg_surface_ = nullptr;
  xdg_toplevel* toplevel_ = nullptr;
  // Buffers are reused once the compositor released them.
  struct Buffer {
    wl_buffer* buffer = nullptr;
    std::uint32_t* pixels = nullptr;
    std::size_t size = 0;
    bool busy = false;
  };
  std::vector<Buffer*> buffers_;
  Buffer* free_buffer();
  // Reads and dispatches what the compositor sent, waiting up to `timeout_ms` for it.
  void dispatch(int timeout_ms);
  // Dispatches until `flag` is set (10 s at most); false (error()) if it never was.
  bool wait_for(const bool& flag);
  std::uint32_t width_ = 0, height_ = 0;
  bool configured_ = false;
  std::vector<std::uint32_t> image_;
  wp_presentation* presentation_ = nullptr;
  bool presentation_monotonic_ = false;
  std::vector<Presentation> presentations_;
  std::size_t feedback_pending_ = 0;
};

}  // namespace kagami::testing
