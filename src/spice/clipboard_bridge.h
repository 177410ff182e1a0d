#pragma once
// Clipboard ↔ the guest's vdagent through spice-client-glib's main channel (GLib thread only).
//
// Guest → host: the agent grabs with a list of types; we request the best one (text, then PNG,
// BMP, JPEG, TIFF), check its size and hand it to the app's handler.
// Host → guest: set_host() grabs for the guest with one type and keeps the bytes until the agent
// requests them. Loop prevention: content equal to what the guest just gave us is not grabbed
// back (the app's own clipboard-changed event would otherwise echo it).
#include <optional>

#include "spice/clipboard_data.h"
#include "spice/options.h"
#include "spice/session.h"
#include "spice/status_board.h"

typedef struct _SpiceMainChannel SpiceMainChannel;

namespace kagami::spice {

class ClipboardBridge {
 public:
  ClipboardBridge(ClipboardOptions options, StatusBoard& status);

  void attach(SpiceMainChannel* main);  // connects the signals; main outlives the attachment
  void detach();

  void set_host(ClipboardData data);
  void release_host();
  void set_handlers(Session::ClipboardHandler on_data, Session::ClipboardReleaseHandler on_release);

 private:
  static int on_guest_grab(SpiceMainChannel*, unsigned selection, unsigned* types, unsigned ntypes,
                           void* self);
  static void on_guest_data(SpiceMainChannel*, unsigned selection, unsigned type, const uint8_t* data,
                            unsigned size, void* self);
  static int on_guest_request(SpiceMainChannel*, unsigned selection, unsigned type, void* self);
  static void on_guest_release(SpiceMainChannel*, unsigned selection, void* self);
  static void on_agent_update(SpiceMainChannel*, void* self);

  bool agent_ready() const;
  void grab_for_guest();

  ClipboardOptions options_;
  StatusBoard& status_;
  SpiceMainChannel* main_ = nullptr;
  Session::ClipboardHandler on_data_;
  Session::ClipboardReleaseHandler on_release_;
  std::optional<ClipboardData> host_;             // offered to the guest
  bool host_grabbed_ = false;                     // the guest has been told about host_
  std::optional<ClipboardData> last_from_guest_;  // for loop prevention
};

}  // namespace kagami::spice
