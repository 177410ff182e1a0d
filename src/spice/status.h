#pragma once
// A snapshot of the SPICE session for the overlay and for tests. Copied out under a lock.
#include <cstdint>
#include <string>

namespace kagami::spice {

enum class ConnectionState { Disabled, Connecting, Connected, Reconnecting, Failed };
enum class MouseMode { Server, Client };  // Server = relative motion; Client = absolute positions

const char* to_string(ConnectionState state);

struct SessionStatus {
  ConnectionState state = ConnectionState::Connecting;
  std::string last_error;  // why the last connection ended or failed; "" if none
  uint32_t reconnects = 0;
  bool inputs_ready = false;
  bool agent_connected = false;  // vdagent running in the guest: clipboard available
  MouseMode mouse_mode = MouseMode::Server;

  bool playback_active = false;
  uint32_t playback_rate = 0;
  uint32_t playback_channels = 0;
  uint32_t audio_buffer_ms = 0;  // current playback buffer target (grows on underruns)
  uint64_t audio_underruns = 0;
  uint64_t audio_overruns = 0;  // blocks dropped because the queue was past AudioOptions::max_ms
  uint64_t audio_frames_played = 0;
  uint32_t volume_percent = 100;  // the user's playback volume (Session::set_volume)
  bool muted = false;             // the user's playback mute (the guest's own mute is separate)
  bool microphone_on = false;     // the user allows the microphone (Session::set_microphone)
  bool record_active = false;     // ... and the guest is recording: the host microphone is open
  uint64_t record_bytes_sent = 0;

  uint64_t clipboard_to_guest = 0;    // contents handed to the guest
  uint64_t clipboard_from_guest = 0;  // contents received from the guest
  uint64_t clipboard_rejected = 0;    // over the size limit
};

}  // namespace kagami::spice
