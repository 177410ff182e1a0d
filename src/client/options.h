#pragma once
// Everything the user can set, with its default. The defaults here are the documented ones:
// `--help` prints them, docs/client.md lists them, and the config file uses the same names.
#include <cstdint>
#include <string>

#include "common/result.h"

namespace kagami::client {

enum class ScaleMode { fit, integer };  // fit keeping aspect / largest integer factor
enum class FilterMode { automatic, nearest, linear, sharp };
enum class PresentMode { on_frame, every_vblank };  // draw when a frame arrives / every refresh

struct Options {
  std::string shm = "/dev/shm/looking-glass";  // region: a /dev/shm file or /dev/kvmfrN
  std::string config;                          // config file actually read ("" = none)
  std::uint32_t width = 1280;                  // initial window size
  std::uint32_t height = 720;
  int x = -1;  // window position; -1 = centred
  int y = -1;
  std::string title = "kagami";
  bool fullscreen = false;
  bool borderless = false;
  bool follow_guest_size = false;  // resize the window to the guest's resolution when it changes
  ScaleMode scale = ScaleMode::fit;
  bool upscale = true;  // false: never draw the guest larger than 1:1
  FilterMode filter = FilterMode::automatic;
  bool vsync = false;
  PresentMode present = PresentMode::on_frame;
  bool show_cursor = true;                // draw the guest cursor from the agent's messages
  bool show_stats = false;                // the statistics overlay at start
  std::string escape_key = "ScrollLock";  // SDL scancode name of the client's command key
  std::string screenshot_dir;             // "" = $XDG_PICTURES_DIR, else $HOME
  std::string log_level = "info";
  // Input, clipboard and audio over SPICE (QEMU's -spice); without it the client is view-only.
  bool spice = true;
  std::string spice_uri = "spice://127.0.0.1:5900";  // or spice+unix:///path/to/socket
  std::string spice_password;
  bool clipboard = true;  // share the clipboard (text) with the guest
  bool audio = true;      // play the guest's sound

  // The graphics backend: auto / vulkan / gles (renderer_factory.h).
  std::string renderer = "auto";
  // The guest's request-activation flag asks the window manager for attention (urgency hint),
  // on a rising edge, at most every 5 s; never takes the keyboard focus.
  bool request_activation = true;
};

const char* to_string(ScaleMode mode);
const char* to_string(FilterMode mode);
const char* to_string(PresentMode mode);

// $XDG_CONFIG_HOME/kagami/client.toml (or ~/.config/kagami/client.toml).
std::string default_config_path();

// Reads a config file into `options` (only the keys it names). Unknown keys and wrong types are
// errors that name the key and the file.
Result<void> load_config_file(const std::string& path, Options& options);

// Parses the command line over the defaults and the config file (command line wins).
// Returns nullopt-like exit codes through `exit_code` for --help/--version and bad options.
struct ParsedCommandLine {
  Options options;
  bool exit = false;  // --help, --version or an error: exit with exit_code
  int exit_code = 0;
};
ParsedCommandLine parse_command_line(int argc, char** argv);

}  // namespace kagami::client
