#pragma once
// The D-Bus half of `--capture portal`: org.freedesktop.portal.ScreenCast on the session bus
// (xdg-desktop-portal with the desktop's backend: -gnome, -kde, -wlr), through GLib's gio.
//   CreateSession -> SelectSources (one monitor, cursor as metadata where offered else hidden,
//   persist_mode 2 with the saved restore token) -> Start (the desktop may ask the user) ->
//   OpenPipeWireRemote: a PipeWire fd and the stream's node id.
// Each call answers through a Request object's Response signal (code 0 ok, 1 the user declined,
// 2 other). The restore token of the answer is saved, so the user is asked once.
#include <cstdint>
#include <memory>
#include <string>

#include "common/result.h"

namespace kagami::capture {

struct PortalConfig {
  std::string
      token_file;  // where the restore token is kept; empty: $XDG_STATE_HOME/kagami/portal-restore-token
  int answer_timeout_s = 120;  // how long Start may wait for the user's answer
};

struct PortalStream {
  int pipewire_fd = -1;  // owned by the caller afterwards
  std::uint32_t node_id = 0;
  std::uint32_t width = 0, height = 0;  // as the portal announced them (0 when not)
  bool cursor_metadata = false;         // the cursor comes as SPA_META_Cursor, not in the frames
  bool restored = false;                // a saved restore token was accepted (nobody was asked)
  bool token_saved = false;             // the portal gave a restore token and it was saved
};

class PortalSession {
 public:
  explicit PortalSession(PortalConfig config);
  ~PortalSession();  // closes the session (the desktop stops sharing)
  PortalSession(const PortalSession&) = delete;
  PortalSession& operator=(const PortalSession&) = delete;

  Result<PortalStream> open();
  // True once the portal closed the session (the user stopped sharing). Handles the session's
  // D-Bus signals: call it from the thread that called open().
  bool closed();
  const std::string& token_file() const { return token_file_; }

  struct State;

 private:
  PortalConfig config_;
  std::string token_file_;
  std::unique_ptr<State> state_;
};

}  // namespace kagami::capture
