#pragma once
// The desktop's screen-cast stack around kagami-agent --capture portal, on a private headless
// sway (tests and bench/agent):
//   PortalStack  once per sway: the portal's configs (the output chosen without asking, and a
//                chooser that cancels, as a user who declines does), the session script, and the
//                WaylandVersionProxy that xdg-desktop-portal-wlr reaches sway through (see its
//                header: the Debian 12 portal refuses to cast from a compositor without DMA-BUF).
//   PortalRun    one agent run: dbus-run-session -> PipeWire, WirePlumber, xdg-desktop-portal-wlr,
//                then the real kagami-agent as the session's user, publishing into a /dev/shm
//                file that a KvmfrSession reads. Its whole process group is stopped at the end.
#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "reader.h"
#include "sway_session.h"
#include "wayland_version_proxy.h"

namespace kagami::testing {

class PortalStack {
 public:
  explicit PortalStack(const SwaySession& sway);
  // Empty when everything the stack needs is installed and the proxy runs; else why not.
  std::string error() const;

 private:
  std::string missing_;
  std::unique_ptr<WaylandVersionProxy> proxy_;
};

class PortalRun {
 public:
  // `agent`: the kagami-agent program; `xdg`: the XDG_CONFIG_HOME under the session's base folder
  // ("xdg": chooser off, HEADLESS-1; "xdg-decline": a chooser that cancels); `token`: the restore
  // token file (in the runtime folder).
  PortalRun(const SwaySession& sway, const std::string& agent, const std::string& name,
            const std::string& xdg = "xdg", const std::string& token = "portal-token");
  ~PortalRun();
  PortalRun(const PortalRun&) = delete;
  PortalRun& operator=(const PortalRun&) = delete;

  void stop();
  Reader& reader() { return *reader_; }
  std::span<std::byte> region() const { return {map_, size_}; }
  std::string log() const { return read_text(log_); }
  // Waits until the log contains `text` (or `limit`).
  bool log_says(const std::string& text, std::chrono::seconds limit = std::chrono::seconds(15)) const;
  // The agent's process (read from the pid file the session script writes), -1 if not known yet.
  pid_t agent_pid() const;
  // The process group of the whole run (bus, PipeWire, WirePlumber, portals, agent).
  pid_t group() const { return pid_; }

 private:
  std::string path_;
  std::size_t size_;
  std::byte* map_ = nullptr;
  std::string log_, pid_file_;
  pid_t pid_ = -1;
  std::unique_ptr<Reader> reader_;
};

}  // namespace kagami::testing
