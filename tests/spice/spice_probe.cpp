// spice_probe: try kagami's SPICE session against a real VM (or any SPICE server) by hand.
// Connects, optionally types keys and offers clipboard text, prints the session status once a
// second and whatever the guest copies. Example:
//   spice_probe --uri spice://127.0.0.1:5930 --keys "Left Shift,H,I" --clipboard "hello guest" --seconds 10
#include <SDL2/SDL_keyboard.h>
#include <SDL2/SDL_scancode.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <thread>

#include "spice/session.h"

using namespace kagami::spice;

int main(int argc, char** argv) {
  SessionOptions options;
  std::vector<std::string> keys;
  std::string clipboard;
  int seconds = 5;
  bool no_audio = false;
  CLI::App app{"spice_probe: connect kagami's SPICE session (keyboard, mouse, clipboard, audio) to a server"};
  app.add_option("--uri", options.uri, "spice://HOST:PORT or spice+unix:///PATH")->capture_default_str();
  app.add_option("--password", options.password, "SPICE ticket (default: none)");
  app.add_option("--keys", keys,
                 "SDL key names to press and release in order, e.g. 'Left Shift,H,I' (default: none)")
      ->delimiter(',');
  app.add_option("--clipboard", clipboard, "text to offer to the guest's clipboard (default: none)");
  app.add_option("--seconds", seconds, "how long to stay connected")->capture_default_str();
  app.add_flag("--no-audio", no_audio, "do not play the guest's sound (default: play it)");
  app.add_flag("--mic", options.audio.record, "send the default microphone to the guest (default: off)");
  app.add_option("--buffer-ms", options.audio.target_ms, "playback buffer target")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  options.audio.playback = !no_audio;

  auto started = Session::start(options);
  if (!started) {
    std::fprintf(stderr, "spice_probe: %s\n", started.error().message.c_str());
    return 1;
  }
  Session& session = *started.value();
  session.on_guest_clipboard([](ClipboardData data) {
    if (data.type == ClipboardType::Text) {
      std::printf("guest copied text: %.*s\n", static_cast<int>(data.bytes.size()),
                  reinterpret_cast<const char*>(data.bytes.data()));
    } else {
      std::printf("guest copied an image: %zu bytes\n", data.bytes.size());
    }
  });
  bool typed = false;
  for (int i = 0; i < seconds; ++i) {
    SessionStatus s = session.status();
    std::printf("%-12s inputs %-3s agent %-3s mouse %-6s audio %s %u Hz buf %u ms under %llu over %llu  %s\n",
                to_string(s.state), s.inputs_ready ? "yes" : "no", s.agent_connected ? "yes" : "no",
                s.mouse_mode == MouseMode::Client ? "abs" : "rel", s.playback_active ? "on " : "off",
                s.playback_rate, s.audio_buffer_ms, static_cast<unsigned long long>(s.audio_underruns),
                static_cast<unsigned long long>(s.audio_overruns), s.last_error.c_str());
    if (!typed && s.inputs_ready) {
      typed = true;
      for (const auto& name : keys) {
        SDL_Scancode code = SDL_GetScancodeFromName(name.c_str());
        if (code == SDL_SCANCODE_UNKNOWN) {
          std::fprintf(stderr,
                       "spice_probe: unknown key name '%s' (use SDL names: A, Return, Left Shift, F5...)\n",
                       name.c_str());
          continue;
        }
        session.key_down(code);
        session.key_up(code);
      }
      if (!clipboard.empty())
        session.set_host_clipboard({ClipboardType::Text, {clipboard.begin(), clipboard.end()}});
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  return 0;
}
