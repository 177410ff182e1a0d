#pragma once
// Everything the user can set, with its default. The defaults here are the documented ones:
// `--help` prints them, docs/client.md lists them, and the config file uses the same names.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace kagami::client {

enum class ScaleMode { fit, integer, stretch };  // keep aspect / largest integer factor / fill the window
enum class FilterMode { automatic, nearest, linear, sharp };
enum class PresentMode { on_frame, every_vblank };  // draw when a frame arrives / every refresh

// One `[[display]]` table of the config file: a window of its own for one region (one guest
// output). What a table leaves out comes from the top-level settings (width, x, fullscreen, ...).
struct DisplayOptions {
  std::string shm;  // required
  std::optional<std::uint32_t> width, height;
  std::optional<int> x, y;
  std::optional<bool> fullscreen;
};

struct Options {
  // The region of the first (usually only) window: a /dev/shm file or /dev/kvmfrN. Every further
  // --shm (or `shm = [...]` in the file) opens one more window; shm_more holds those.
  std::string shm = "/dev/shm/looking-glass";
  std::vector<std::string> shm_more;
  std::vector<DisplayOptions> displays;  // the config file's [[display]] tables (see windows())
  std::string config;                    // config file actually read ("" = none)
  std::uint32_t width = 1280;            // initial window size
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
  bool input = true;               // keyboard and mouse to the guest (escape key + I toggles)
  bool clipboard = true;           // share the clipboard (text) with the guest ...
  bool clipboard_to_guest = true;  // ... host copies go to the guest
  bool clipboard_to_host = true;   // ... guest copies come to the host
  bool audio = true;               // play the guest's sound
  std::uint32_t volume = 100;      // playback volume in percent, on top of the guest's own
  bool microphone = false;         // the host microphone to the guest (privacy: off by default)
  int mouse_sensitivity = 0;       // -9..9: relative motion in capture mode times (10 + n) / 10
  bool capture_on_start = false;   // capture mouse and keyboard as soon as SPICE input works
  bool raw_mouse = false;          // capture mode: unaccelerated motion (else the desktop's acceleration)
  int rotate = 0;                  // degrees clockwise on top of the guest's rotation: 0, 90, 180, 270

  // The graphics backend: auto / vulkan / gles (renderer_factory.h).
  std::string renderer = "auto";
  // The guest's request-activation flag asks the window manager for attention (urgency hint),
  // on a rising edge, at most every 5 s; never takes the keyboard focus.
  bool request_activation = true;
};

// One window to open, every field decided.
struct WindowOptions {
  std::string shm;
  std::uint32_t width = 1280, height = 720;
  int x = -1, y = -1;
  bool fullscreen = false;
};

// The windows the client opens, one per region: the [[display]] tables when the config file has
// them (and the command line names no --shm), else one per --shm. Several windows without a
// position of their own stand in a row, left to right in the order given, from the top-level x/y
// (0 where that is -1, "centred"): without a window manager centred windows would cover each other.
std::vector<WindowOptions> windows(const Options& options);

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
