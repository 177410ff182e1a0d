#include "client/options.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <toml++/toml.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <string_view>

namespace kagami::client {
namespace {

const std::map<std::string, ScaleMode> kScaleNames = {{"fit", ScaleMode::fit},
                                                      {"integer", ScaleMode::integer}};
const std::map<std::string, FilterMode> kFilterNames = {{"auto", FilterMode::automatic},
                                                        {"nearest", FilterMode::nearest},
                                                        {"linear", FilterMode::linear},
                                                        {"sharp", FilterMode::sharp}};
const std::map<std::string, PresentMode> kPresentNames = {{"on-frame", PresentMode::on_frame},
                                                          {"every-vblank", PresentMode::every_vblank}};

template <class E>
const char* name_of(const std::map<std::string, E>& names, E value) {
  for (const auto& [name, v] : names) {
    if (v == value) return name.c_str();
  }
  return "?";
}

template <class E>
Result<void> read_enum(const toml::node& node, const std::map<std::string, E>& names, E& out,
                       const std::string& where) {
  auto text = node.value<std::string>();
  if (!text) return Error{where + " must be a string"};
  auto it = names.find(*text);
  if (it == names.end()) {
    std::string allowed;
    for (const auto& [name, v] : names) allowed += (allowed.empty() ? "" : ", ") + name;
    return Error{fmt::format("{} is \"{}\"; allowed: {}", where, *text, allowed)};
  }
  out = it->second;
  return {};
}

template <class T>
Result<void> read_value(const toml::node& node, T& out, const std::string& where) {
  if constexpr (std::is_same_v<T, bool>) {
    auto v = node.value<bool>();
    if (!v) return Error{where + " must be true or false"};
    out = *v;
  } else if constexpr (std::is_same_v<T, std::string>) {
    auto v = node.value<std::string>();
    if (!v) return Error{where + " must be a string"};
    out = *v;
  } else {
    auto v = node.value<std::int64_t>();
    if (!v || *v < std::numeric_limits<T>::min() || *v > std::numeric_limits<T>::max()) {
      return Error{where + " must be an integer in range"};
    }
    out = static_cast<T>(*v);
  }
  return {};
}

// Flags show "{false}" in CLI11's help whatever their default: say it in words.
std::string on_off(const std::string& text, bool value) {
  return text + " (default: " + (value ? "on" : "off") + ")";
}

}  // namespace

const char* to_string(ScaleMode mode) { return name_of(kScaleNames, mode); }
const char* to_string(FilterMode mode) { return name_of(kFilterNames, mode); }
const char* to_string(PresentMode mode) { return name_of(kPresentNames, mode); }

std::string default_config_path() {
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  if (xdg && *xdg) return std::string(xdg) + "/kagami/client.toml";
  const char* home = std::getenv("HOME");
  return std::string(home ? home : ".") + "/.config/kagami/client.toml";
}

Result<void> load_config_file(const std::string& path, Options& o) {
  // A FIFO would block the reader forever and a directory is no config: check the type first
  // (stat never blocks).
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return Error{fmt::format("config file {}: {}", path, std::strerror(errno))};
  if (S_ISDIR(st.st_mode)) return Error{fmt::format("config file {} is a directory; name a TOML file", path)};
  if (S_ISCHR(st.st_mode) && path == "/dev/null") {  // "no config file", as scripts and tests say it
    o.config = path;
    return {};
  }
  if (!S_ISREG(st.st_mode))
    return Error{fmt::format(
        "config file {} is not a regular file (a FIFO, socket or device); name a TOML file", path)};
  toml::table table;
  try {
    table = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return Error{fmt::format("config file {}: {} (line {}); fix the file or pass --config with another one",
                             path, e.description(), e.source().begin.line)};
  }
  for (const auto& [key, node] : table) {
    const std::string name(key.str());
    const std::string where = fmt::format("{}: \"{}\"", path, name);
    Result<void> r;
    if (name == "shm")
      r = read_value(node, o.shm, where);
    else if (name == "width")
      r = read_value(node, o.width, where);
    else if (name == "height")
      r = read_value(node, o.height, where);
    else if (name == "x")
      r = read_value(node, o.x, where);
    else if (name == "y")
      r = read_value(node, o.y, where);
    else if (name == "title")
      r = read_value(node, o.title, where);
    else if (name == "fullscreen")
      r = read_value(node, o.fullscreen, where);
    else if (name == "borderless")
      r = read_value(node, o.borderless, where);
    else if (name == "follow-guest-size")
      r = read_value(node, o.follow_guest_size, where);
    else if (name == "scale")
      r = read_enum(node, kScaleNames, o.scale, where);
    else if (name == "upscale")
      r = read_value(node, o.upscale, where);
    else if (name == "filter")
      r = read_enum(node, kFilterNames, o.filter, where);
    else if (name == "vsync")
      r = read_value(node, o.vsync, where);
    else if (name == "present")
      r = read_enum(node, kPresentNames, o.present, where);
    else if (name == "show-cursor")
      r = read_value(node, o.show_cursor, where);
    else if (name == "show-stats")
      r = read_value(node, o.show_stats, where);
    else if (name == "escape-key")
      r = read_value(node, o.escape_key, where);
    else if (name == "screenshot-dir")
      r = read_value(node, o.screenshot_dir, where);
    else if (name == "log-level")
      r = read_value(node, o.log_level, where);
    else if (name == "renderer")
      r = read_value(node, o.renderer, where);
    else if (name == "request-activation")
      r = read_value(node, o.request_activation, where);
    else
      r = Error{fmt::format("{} is not an option (see kagami-client --help)", where)};
    if (!r) return r;
  }
  o.config = path;
  return {};
}

ParsedCommandLine parse_command_line(int argc, char** argv) {
  ParsedCommandLine parsed;
  Options& o = parsed.options;

  CLI::App app{
      "kagami-client: shows a KVM guest's screen from the shared-memory region its kagami (or Looking Glass "
      "B7)\n"
      "agent writes. Options come from the defaults, then the config file, then the command line.\n"
      "Client commands: hold the escape key (default Scroll Lock) and press a key; Escape+F1 lists them.",
      "kagami-client"};  // the usage line names the program, not argv[0]
  // A later occurrence wins (e.g. an alias or script adds defaults the user then overrides).
  app.option_defaults()->always_capture_default()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  std::string config_path = default_config_path();
  app.add_option("--config", config_path,
                 "TOML config file; its keys are the long option names without the dashes (e.g. shm = "
                 "\"/dev/kvmfr0\"). "
                 "A missing default file is fine")
      ->default_str("$XDG_CONFIG_HOME/kagami/client.toml");
  app.add_option("--shm", o.shm, "shared-memory region: a /dev/shm file or a kvmfr device (/dev/kvmfr0)");
  app.add_option("--width", o.width, "initial window width")->check(CLI::Range(16u, 16384u));
  app.add_option("--height", o.height, "initial window height")->check(CLI::Range(16u, 16384u));
  app.add_option("-x,--x", o.x, "window x position (-1: centred)");
  app.add_option("-y,--y", o.y, "window y position (-1: centred)");
  app.add_option("--title", o.title, "window title");
  app.add_flag("--fullscreen,!--no-fullscreen", o.fullscreen,
               on_off("start full screen (desktop resolution)", o.fullscreen));
  app.add_flag("--borderless,!--no-borderless", o.borderless,
               on_off("window without decorations", o.borderless));
  app.add_flag(
      "--follow-guest-size,!--no-follow-guest-size", o.follow_guest_size,
      on_off("resize the window to the guest's resolution whenever it changes", o.follow_guest_size));
  app.add_option("--scale", o.scale, "fit: fill the window keeping the aspect; integer: largest whole factor")
      ->transform(CLI::CheckedTransformer(kScaleNames, CLI::ignore_case).description(""))
      ->type_name("fit|integer")
      ->default_str(to_string(o.scale));
  app.add_flag("--upscale,!--no-upscale", o.upscale,
               on_off("allow drawing the guest larger than 1:1", o.upscale));
  app.add_option("--filter", o.filter,
                 "auto: nearest at whole factors, linear when enlarging, sharp when shrinking; or nearest, "
                 "linear, sharp (area average when shrinking)")
      ->transform(CLI::CheckedTransformer(kFilterNames, CLI::ignore_case).description(""))
      ->type_name("auto|nearest|linear|sharp")
      ->default_str(to_string(o.filter));
  app.add_flag("--vsync,!--no-vsync", o.vsync,
               on_off("wait for the vertical blank when presenting", o.vsync));
  app.add_option("--present", o.present,
                 "on-frame: present as soon as a frame arrives (lowest latency); every-vblank: redraw every "
                 "refresh (turns vsync on)")
      ->transform(CLI::CheckedTransformer(kPresentNames, CLI::ignore_case).description(""))
      ->type_name("on-frame|every-vblank")
      ->default_str(to_string(o.present));
  app.add_flag("--show-cursor,!--no-show-cursor", o.show_cursor,
               on_off("draw the guest cursor the agent sends", o.show_cursor));
  app.add_flag("--show-stats,!--no-show-stats", o.show_stats,
               on_off("show the statistics overlay at start", o.show_stats));
  app.add_option("--escape-key", o.escape_key,
                 "SDL scancode name of the key that starts client commands (bound by position, any layout)");
  app.add_option("--screenshot-dir", o.screenshot_dir,
                 "where screenshots go (empty: $XDG_PICTURES_DIR or $HOME)");
  app.add_option("--log-level", o.log_level, "trace, debug, info, warn, error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  app.add_flag(
      "--spice,!--no-spice", o.spice,
      on_off("send keyboard, mouse and clipboard to the guest and play its sound over SPICE", o.spice));
  app.add_option("--spice-uri", o.spice_uri, "QEMU's SPICE server: spice://HOST:PORT or spice+unix:///PATH");
  app.add_option("--spice-password", o.spice_password, "SPICE ticket (empty: none)");
  app.add_flag("--clipboard,!--no-clipboard", o.clipboard,
               on_off("share the clipboard (text) with the guest", o.clipboard));
  app.add_flag("--audio,!--no-audio", o.audio, on_off("play the guest's sound (SPICE playback)", o.audio));
  app.add_option("--renderer", o.renderer,
                 "graphics backend: auto (vulkan when it works here, else gles), vulkan or gles")
      ->check(CLI::IsMember({"auto", "vulkan", "gles"}));
  app.add_flag("--request-activation,!--no-request-activation", o.request_activation,
               on_off("when the guest asks for activation, ask the window manager for attention (never takes "
                      "the keyboard focus; at most every 5 s)",
                      o.request_activation));
  app.set_version_flag("--version", "kagami-client 0.1.0");

  // The config file is read before the command line is applied, so the command line wins and
  // --help still shows the built-in defaults (captured above).
  std::string wanted_config;
  bool explicit_config = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--config" && i + 1 < argc) {
      wanted_config = argv[i + 1];
      explicit_config = true;
    } else if (arg.starts_with("--config=")) {
      wanted_config = std::string(arg.substr(9));
      explicit_config = true;
    }
  }
  if (!explicit_config) wanted_config = config_path;
  bool help = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h" || arg == "--version") help = true;
  }
  if (!help && (explicit_config || std::filesystem::exists(wanted_config))) {
    auto loaded = load_config_file(wanted_config, o);
    if (!loaded) {
      fmt::print(stderr, "kagami-client: {}\n", loaded.error().message);
      parsed.exit = true;
      parsed.exit_code = 2;
      return parsed;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    parsed.exit = true;
    parsed.exit_code = app.exit(e);
  }
  return parsed;
}

}  // namespace kagami::client
