#pragma once
// A Wayland socket in front of a compositor that can lower the version of one global interface,
// can add a DMA-BUF format announcement (zwlr_screencopy_frame_v1.linux_dmabuf) to every
// screen-copy frame, and can hold back wl_output.done after a change; everything else is
// forwarded byte for byte (file descriptors included).
//
// Why: xdg-desktop-portal-wlr 0.7 (Debian 12) refuses to start a screen cast unless the
// compositor announces a DMA-BUF format for screen-copy frames (its ScreenCast version >= 3
// check, upstream issue #289) — which a headless sway with the pixman renderer, the only sway
// these machines can run, never does. With the announcement added, the portal starts, offers
// PipeWire both kinds of buffer, and casts over shared memory to a consumer that asks for no
// DMA-BUF (kagami): the portal test runs the real xdg-desktop-portal, xdg-desktop-portal-wlr,
// PipeWire and WirePlumber. (Lowering the screen-copy version does not help: the check reads the
// portal's own ScreenCast version.)
#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace kagami::testing {

class WaylandVersionProxy {
 public:
  // Listens on `listen_path` (owned by uid/gid, mode 0700 folder assumed); each client gets its
  // own connection to `upstream_path`.
  // `fake_dmabuf`: also announce a DMA-BUF format (linux_dmabuf) for every screen-copy frame.
  WaylandVersionProxy(std::string upstream_path, std::string listen_path, std::string interface,
                      std::uint32_t max_version, bool fake_dmabuf, uid_t uid, gid_t gid);
  ~WaylandVersionProxy();
  WaylandVersionProxy(const WaylandVersionProxy&) = delete;
  WaylandVersionProxy& operator=(const WaylandVersionProxy&) = delete;

  const std::string& error() const { return error_; }

  // Call before a client connects. Every wl_output.done after an output's first is held back
  // until a screen-copy copy has been answered (ready or failed) and the client has sent a
  // request after that: the order of a compositor that commits a new mode with a buffer (wlroots
  // on DRM), where copies asked for before the change are answered between the new `mode` and
  // its `done`, and the client has seen them before the `done`. Sway's headless output commits
  // the mode without a buffer, so `done` comes first there.
  void hold_output_done() { hold_output_done_ = true; }

  struct Connection;

 private:
  void run();
  void track_request(Connection& c, std::size_t at, std::uint32_t size);
  void rewrite_event(Connection& c, std::size_t at, std::uint32_t size, std::vector<std::uint8_t>& out);

  bool fake_dmabuf_;
  std::atomic<bool> hold_output_done_{false};
  std::string upstream_, listen_path_, interface_;
  std::uint32_t max_version_;
  int listen_fd_ = -1;
  int stop_pipe_[2] = {-1, -1};
  std::thread thread_;
  std::string error_;
};

}  // namespace kagami::testing
