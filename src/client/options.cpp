#include "client/options.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <toml++/toml.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <string_view>

#include "client/looking_glass_options.h"

namespace kagami::client {
namespace {

const std::map<std::string, ScaleMode> kScaleNames = {
    {"fit", ScaleMode::fit}, {"integer", ScaleMode::integer}, {"stretch", ScaleMode::stretch}};
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

// Maps a name (any case) to the enum's number for CLI11, or says which names are allowed.
template <class E>
CLI::Validator one_of(const std::map<std::string, E>& names) {
  std::string allowed;
  for (const auto& [name, v] : names) allowed += (allowed.empty() ? "" : ", ") + name;
  return CLI::Validator(
      [&names, allowed](std::string& value) -> std::string {
        std::string lower;
        for (char c : value) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        auto it = names.find(lower);
        if (it == names.end()) return "\"" + value + "\" is not allowed; allowed: " + allowed;
        value = std::to_string(static_cast<int>(it->second));
        return {};
      },
      "", "");
}

// Flags show no default in CLI11's help (only "{false}" after the --no- spelling): say it in words.
std::string on_off(const std::string& text, bool value) {
  return text + " (default: " + (value ? "on" : "off") + ")";
}

// CLI11 writes a negated flag as "--upscale,--no-upscale{false}", which reads as "the default is
// false" whatever it is; list the spellings alone (on_off says the default).
class HelpFormatter : public CLI::Formatter {
 public:
  std::string make_option_name(const CLI::Option* opt, bool) const override {
    std::string names;
    for (const std::string& s : opt->get_snames()) names += (names.empty() ? "-" : ",-") + s;
    for (const std::string& l : opt->get_lnames()) names += (names.empty() ? "--" : ",--") + l;
    return names;
  }
};

// Options that are not settings: never config-file keys.
bool is_setting(const std::string& long_name) {
  return long_name != "help" && long_name != "version" && long_name != "config";
}

// Every option and its default, bound to `o`. The config file uses this same list, so a key is
// accepted in the file exactly when `--key` is accepted on the command line.
void add_options(CLI::App& app, Options& o, std::string& config_path) {
  // A later occurrence wins (e.g. an alias or script adds defaults the user then overrides).
  app.option_defaults()->always_capture_default()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.formatter(std::make_shared<HelpFormatter>());
  app.add_option("--config", config_path,
                 "TOML config file; its keys are the long option names without the dashes (e.g. shm = "
                 "\"/dev/kvmfr0\", fullscreen = true); [[display]] tables open one window per region "
                 "(docs/usage.md). A "
                 "missing default file is fine")
      ->default_str("$XDG_CONFIG_HOME/kagami/client.toml");
  // Repeatable: one window per region. Given at all, the regions replace the config file's.
  app.add_option_function<std::vector<std::string>>(
         "--shm",
         [&o](const std::vector<std::string>& regions) {
           o.shm = regions.front();
           o.shm_more.assign(regions.begin() + 1, regions.end());
         },
         "shared-memory region: a /dev/shm file or a kvmfr device (/dev/kvmfr0); repeat it for one window "
         "per region (one per guest output)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->type_name("TEXT")
      ->default_str(o.shm);
  app.add_option("--width", o.width, "initial window width (16 to 16384)")
      ->check(CLI::Range(16u, 16384u).description(""))
      ->type_name("N");
  app.add_option("--height", o.height, "initial window height (16 to 16384)")
      ->check(CLI::Range(16u, 16384u).description(""))
      ->type_name("N");
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
  app.add_option(
         "--scale", o.scale,
         "fit: fill the window keeping the aspect; integer: largest whole factor; stretch: fill the window "
         "(aspect ignored)")
      ->transform(one_of(kScaleNames))
      ->type_name("fit|integer|stretch")
      ->default_str(to_string(o.scale));
  app.add_flag("--upscale,!--no-upscale", o.upscale,
               on_off("allow drawing the guest larger than 1:1", o.upscale));
  app.add_option("--filter", o.filter,
                 "auto: nearest at whole factors, linear when enlarging, sharp when shrinking; or nearest, "
                 "linear, sharp (area average when shrinking)")
      ->transform(one_of(kFilterNames))
      ->type_name("auto|nearest|linear|sharp")
      ->default_str(to_string(o.filter));
  app.add_flag("--vsync,!--no-vsync", o.vsync,
               on_off("wait for the vertical blank when presenting", o.vsync));
  app.add_option("--present", o.present,
                 "on-frame: present as soon as a frame arrives (lowest latency); every-vblank: redraw every "
                 "refresh (turns vsync on)")
      ->transform(one_of(kPresentNames))
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
  app.add_flag("--input,!--no-input", o.input,
               on_off("send keyboard and mouse to the guest (escape key + I toggles it)", o.input));
  app.add_flag("--clipboard,!--no-clipboard", o.clipboard,
               on_off("share the clipboard (text) with the guest", o.clipboard));
  app.add_flag("--clipboard-to-guest,!--no-clipboard-to-guest", o.clipboard_to_guest,
               on_off("with --clipboard: host copies reach the guest", o.clipboard_to_guest));
  app.add_flag("--clipboard-to-host,!--no-clipboard-to-host", o.clipboard_to_host,
               on_off("with --clipboard: guest copies reach the host", o.clipboard_to_host));
  app.add_flag("--capture-on-start,!--no-capture-on-start", o.capture_on_start,
               on_off("capture mouse and keyboard as soon as input reaches the guest", o.capture_on_start));
  app.add_flag("--raw-mouse,!--no-raw-mouse", o.raw_mouse,
               on_off("in capture mode, unaccelerated mouse motion (good for games)", o.raw_mouse));
  app.add_flag("--audio,!--no-audio", o.audio, on_off("play the guest's sound (SPICE playback)", o.audio));
  app.add_option("--volume", o.volume, "playback volume in percent, 0 to 100 (escape key + Up/Down; M mutes)")
      ->check(CLI::Range(0u, 100u).description(""))
      ->type_name("PERCENT");
  app.add_flag(
      "--microphone,!--no-microphone", o.microphone,
      on_off("send the host microphone to the guest when it records (escape key + E)", o.microphone));
  app.add_option("--mouse-sensitivity", o.mouse_sensitivity,
                 "-9 to 9: pointer speed in capture mode, (10 + N) / 10 of the motion (escape key + "
                 "Insert/Delete)")
      ->check(CLI::Range(-9, 9).description(""))
      ->type_name("N");
  app.add_option("--rotate", o.rotate, "rotate the image clockwise: 0, 90, 180 or 270 (escape key + R)")
      ->check(CLI::IsMember({0, 90, 180, 270}).description(""))
      ->type_name("DEGREES");
  app.add_option("--renderer", o.renderer,
                 "graphics backend: auto (vulkan when it works here, else gles), vulkan or gles")
      ->check(CLI::IsMember({"auto", "vulkan", "gles"}));
  app.add_flag("--request-activation,!--no-request-activation", o.request_activation,
               on_off("when the guest asks for activation, ask the window manager for attention (never takes "
                      "the keyboard focus; at most every 5 s)",
                      o.request_activation));
}

// `name = value` from the config file through the option `--name` itself: the same parser and
// checks as on the command line, the file and key in front of any error. An array is allowed for
// a repeatable option (shm = ["/dev/shm/a", "/dev/shm/b"]).
Result<void> apply_key(CLI::App& app, const std::string& name, const toml::node& node,
                       const std::string& where) {
  CLI::Option* option = is_setting(name) ? app.get_option_no_throw("--" + name) : nullptr;
  if (!option) return Error{fmt::format("{} is not an option (see kagami-client --help)", where)};
  const bool flag = option->get_expected_min() == 0;
  const bool repeatable = option->get_multi_option_policy() == CLI::MultiOptionPolicy::TakeAll;
  std::vector<std::string> values;
  const auto take = [&](const toml::node& n) -> Result<void> {
    if (auto b = n.value_exact<bool>()) {
      if (!flag) return Error{fmt::format("{} takes a value, not true or false", where)};
      values.push_back(*b ? "true" : "false");
    } else if (flag) {
      return Error{fmt::format("{} must be true or false", where)};
    } else if (auto text = n.value_exact<std::string>()) {
      values.push_back(*text);
    } else if (auto number = n.value_exact<std::int64_t>()) {
      values.push_back(std::to_string(*number));
    } else {
      return Error{fmt::format("{} must be {}", where,
                               repeatable ? "a string or an array of strings" : "a string or a number")};
    }
    return {};
  };
  if (const toml::array* array = node.as_array(); array && repeatable) {
    if (array->empty()) return Error{fmt::format("{} is an empty array", where)};
    for (const toml::node& element : *array) {
      if (auto ok = take(element); !ok) return ok;
    }
  } else if (auto ok = take(node); !ok) {
    return ok;
  }
  std::vector<std::string> args;
  for (const std::string& value : values) args.push_back("--" + name + "=" + value);
  try {
    app.parse(std::vector<std::string>(args.rbegin(), args.rend()));  // (CLI11 wants it reversed)
  } catch (const CLI::ParseError& e) {
    return Error{fmt::format("{}: {}", where, e.what())};
  }
  return {};
}

// The keys a [[display]] table takes: the per-window options, by their option names.
constexpr const char* kDisplayKeys[] = {"shm", "x", "y", "width", "height", "fullscreen"};

// [[display]] tables: each key goes through its option exactly as at the top level (into a scratch
// Options), then what the table named is kept.
Result<std::vector<DisplayOptions>> read_display_tables(const toml::node& node, const std::string& file) {
  const toml::array* tables = node.as_array();
  if (!tables || tables->empty() || !tables->is_array_of_tables())
    return Error{fmt::format("{}: \"display\" must be [[display]] tables, one per window", file)};
  std::vector<DisplayOptions> out;
  for (std::size_t i = 0; i < tables->size(); ++i) {
    const toml::table& table = *tables->get(i)->as_table();
    Options scratch;
    CLI::App app;
    std::string unused_config;
    add_options(app, scratch, unused_config);
    DisplayOptions d;
    for (const auto& [key, value] : table) {
      const std::string name(key.str());
      const std::string where = fmt::format("{}: [[display]] {}: \"{}\"", file, i + 1, name);
      if (std::find(std::begin(kDisplayKeys), std::end(kDisplayKeys), name) == std::end(kDisplayKeys))
        return Error{fmt::format(
            "{} is not a [[display]] key (those are shm, x, y, width, height, fullscreen)", where)};
      if (name == "shm" && !value.is_string())
        return Error{fmt::format("{} must be one region (a string)", where)};
      if (auto applied = apply_key(app, name, value, where); !applied) return applied.error();
      if (name == "shm") d.shm = scratch.shm;
      if (name == "x") d.x = scratch.x;
      if (name == "y") d.y = scratch.y;
      if (name == "width") d.width = scratch.width;
      if (name == "height") d.height = scratch.height;
      if (name == "fullscreen") d.fullscreen = scratch.fullscreen;
    }
    if (d.shm.empty()) return Error{fmt::format("{}: [[display]] {} has no shm (its region)", file, i + 1)};
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace

const char* to_string(ScaleMode mode) { return name_of(kScaleNames, mode); }
const char* to_string(FilterMode mode) { return name_of(kFilterNames, mode); }
const char* to_string(PresentMode mode) { return name_of(kPresentNames, mode); }

std::vector<WindowOptions> windows(const Options& o) {
  std::vector<DisplayOptions> displays = o.displays;
  if (displays.empty()) {
    displays.push_back({o.shm, {}, {}, {}, {}, {}});
    for (const std::string& shm : o.shm_more) displays.push_back({shm, {}, {}, {}, {}, {}});
  }
  std::vector<WindowOptions> out;
  int next_x = std::max(o.x, 0);  // where the row goes on
  for (const DisplayOptions& d : displays) {
    WindowOptions w;
    w.shm = d.shm;
    w.width = d.width.value_or(o.width);
    w.height = d.height.value_or(o.height);
    w.fullscreen = d.fullscreen.value_or(o.fullscreen);
    if (displays.size() == 1) {  // one window: exactly as the options say (centred by default)
      w.x = d.x.value_or(o.x);
      w.y = d.y.value_or(o.y);
    } else {
      w.x = d.x.value_or(next_x);
      w.y = d.y.value_or(std::max(o.y, 0));
    }
    next_x = w.x + static_cast<int>(w.width);
    out.push_back(std::move(w));
  }
  return out;
}

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
  CLI::App app;
  std::string unused_config;
  add_options(app, o, unused_config);
  for (const auto& [key, node] : table) {
    const std::string name(key.str());
    const std::string where = fmt::format("config file {}: \"{}\"", path, name);
    if (name == "display") {
      auto displays = read_display_tables(node, fmt::format("config file {}", path));
      if (!displays) return displays.error();
      o.displays = std::move(*displays);
      continue;
    }
    if (auto applied = apply_key(app, name, node, where); !applied) return applied.error();
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
      "Client commands: hold the escape key (default Scroll Lock) to see them; tap it to capture the input.",
      "kagami-client"};  // the usage line names the program, not argv[0]
  std::string config_path = default_config_path();
  add_options(app, o, config_path);
  app.set_version_flag("--version", "kagami-client " KAGAMI_VERSION);
  app.footer(
      "Looking Glass B7 spellings work too: -f PATH, -F, -s, win:fullScreen=yes, app:shmFile=/dev/kvmfr0, "
      "spice:enable=no ...; an option without a kagami equivalent is an error naming it (docs/usage.md).");

  // Looking Glass spellings (win:fullScreen=yes, -f PATH, -s...) become kagami options first.
  auto translated = translate_looking_glass_args(std::vector<std::string>(argv + 1, argv + argc),
                                                 [&app](const std::string& arg) {
                                                   const CLI::Option* opt = app.get_option_no_throw(arg);
                                                   return opt && opt->get_expected_min() > 0;
                                                 });
  if (!translated) {
    fmt::print(stderr, "kagami-client: {}\n", translated.error().message);
    parsed.exit = true;
    parsed.exit_code = 2;
    return parsed;
  }
  const std::vector<std::string>& args = *translated;

  // The config file is read before the command line is applied, so the command line wins and
  // --help still shows the built-in defaults (captured above).
  std::string wanted_config;
  bool explicit_config = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg == "--config" && i + 1 < args.size()) {
      wanted_config = args[i + 1];
      explicit_config = true;
    } else if (arg.starts_with("--config=")) {
      wanted_config = std::string(arg.substr(9));
      explicit_config = true;
    }
  }
  if (!explicit_config) wanted_config = config_path;
  bool help = false;
  for (const std::string& arg : args) {
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
    app.parse(std::vector<std::string>(args.rbegin(), args.rend()));  // CLI11 takes them reversed
  } catch (const CLI::ParseError& e) {
    parsed.exit = true;
    parsed.exit_code = app.exit(e);
  }
  // --shm on the command line names the windows: the file's [[display]] tables give way.
  if (!parsed.exit && app.count("--shm") > 0) o.displays.clear();
  return parsed;
}

}  // namespace kagami::client
