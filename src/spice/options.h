#pragma once
// What a kagami::spice::Session connects to and which features it runs. Plain values; the app fills
// them from its command line / config file. Every field's default is the documented default.
#include <cstddef>
#include <cstdint>
#include <string>

namespace kagami::spice {

struct ClipboardOptions {
  bool enabled = true;
  bool to_guest = true;  // host content is offered to the guest
  bool to_host = true;   // guest content is fetched for the host (else its grabs are ignored)
  // Largest clipboard content taken from or given to the guest; bigger offers are ignored
  // (counted in SessionStatus::clipboard_rejected).
  size_t max_bytes = 16u << 20;
};

struct AudioOptions {
  bool playback = true;      // play the guest's sound through PulseAudio/PipeWire-pulse
  bool record = false;       // send the host microphone to the guest (privacy: off by default)
  std::string pulse_server;  // "" = the user's default server ($PULSE_SERVER or the session's)
  std::string sink;          // "" = default output device
  std::string source;        // "" = default input device
  // Playback buffer: starts at target_ms, grows by 5 ms on each underrun up to max_ms, and shrinks
  // back towards target_ms after 10 s without underruns. Blocks that arrive while the latency is
  // over the current buffer + 15 ms are dropped (an overrun): latency cannot creep up.
  uint32_t target_ms = 20;
  uint32_t max_ms = 120;
};

struct SessionOptions {
  // "spice://HOST:PORT" or "spice+unix:///path/to/socket"; see parse_spice_uri().
  std::string uri = "spice://127.0.0.1:5900";
  std::string password;   // "" = no ticket
  bool reconnect = true;  // reconnect (every reconnect_ms) after the server goes away
  uint32_t reconnect_ms = 1000;
  // Ask the server for client mouse mode (absolute positions) when it allows it.
  bool prefer_absolute_mouse = true;
  ClipboardOptions clipboard;
  AudioOptions audio;
};

// A parsed SPICE address: either host+port or a unix socket path.
struct SpiceAddress {
  std::string host;
  uint16_t port = 0;
  std::string unix_path;
};

}  // namespace kagami::spice
