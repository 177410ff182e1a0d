#include "client/looking_glass_options.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <regex>

namespace kagami::client {
namespace {

using Args = std::vector<std::string>;

// spice:host and spice:port become one --spice-uri once every argument is seen.
struct SpiceAddress {
  std::optional<std::string> host;
  std::optional<long> port;
};

using Mapper = std::function<Result<Args>(const std::string& name, const std::string& value, SpiceAddress&)>;

struct Entry {
  LookingGlassOption doc;
  bool is_bool = false;     // a bare `section:key` or short flag toggles Looking Glass's default
  bool lg_default = false;  // (for is_bool)
  Mapper map;               // empty: no kagami equivalent (doc.note says why)
};

std::optional<bool> parse_bool(std::string v) {
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
  if (v == "yes" || v == "true" || v == "on" || v == "1") return true;
  if (v == "no" || v == "false" || v == "off" || v == "0") return false;
  return std::nullopt;
}

Result<bool> want_bool(const std::string& name, const std::string& value) {
  auto b = parse_bool(value);
  if (!b) return Error{fmt::format("Looking Glass option {}={}: expected yes or no", name, value)};
  return *b;
}

// yes -> --kagami, no -> --no-kagami (or the other way round when `inverted`).
Mapper flag(const char* kagami, bool inverted = false) {
  return
      [kagami, inverted](const std::string& name, const std::string& value, SpiceAddress&) -> Result<Args> {
        auto b = want_bool(name, value);
        if (!b) return b.error();
        return Args{(*b != inverted ? "--" : "--no-") + std::string(kagami)};
      };
}

Mapper value_of(const char* kagami) {
  return [kagami](const std::string&, const std::string& value, SpiceAddress&) -> Result<Args> {
    return Args{"--" + std::string(kagami), value};
  };
}

// Two numbers "AxB" (win:size=1920x1080, win:position=100x50).
bool parse_pair(const std::string& v, std::string& a, std::string& b) {
  static const std::regex kPair(R"((-?\d+)x(-?\d+))");
  std::smatch m;
  if (!std::regex_match(v, m, kPair)) return false;
  a = m[1];
  b = m[2];
  return true;
}

// Linux input event codes (<linux/input-event-codes.h>) Looking Glass takes for input:escapeKey,
// for the keys people pick as an escape key, as SDL scancode names.
const std::map<int, const char*> kLinuxKeyNames = {
    {1, "Escape"},       {29, "Left Ctrl"},   {42, "Left Shift"}, {54, "Right Shift"}, {56, "Left Alt"},
    {58, "CapsLock"},    {59, "F1"},          {60, "F2"},         {61, "F3"},          {62, "F4"},
    {63, "F5"},          {64, "F6"},          {65, "F7"},         {66, "F8"},          {67, "F9"},
    {68, "F10"},         {70, "ScrollLock"},  {87, "F11"},        {88, "F12"},         {97, "Right Ctrl"},
    {99, "PrintScreen"}, {100, "Right Alt"},  {102, "Home"},      {104, "PageUp"},     {107, "End"},
    {109, "PageDown"},   {110, "Insert"},     {111, "Delete"},    {119, "Pause"},      {125, "Left GUI"},
    {126, "Right GUI"},  {127, "Application"}};

Result<Args> escape_key(const std::string& name, const std::string& value, SpiceAddress&) {
  if (!value.empty() &&
      std::all_of(value.begin(), value.end(), [](unsigned char c) { return std::isdigit(c); })) {
    auto it = kLinuxKeyNames.find(std::stoi(value));
    if (it == kLinuxKeyNames.end())
      return Error{
          fmt::format("Looking Glass option {}={}: unknown key code; use --escape-key with an SDL "
                      "key name such as ScrollLock, \"Right Ctrl\" or Pause",
                      name, value)};
    return Args{"--escape-key", it->second};
  }
  // KEY_SCROLLLOCK, KEY_RIGHTCTRL...: kagami matches names without spaces; META is SDL's GUI.
  std::string key = value.rfind("KEY_", 0) == 0 ? value.substr(4) : value;
  if (auto meta = key.find("META"); meta != std::string::npos) key.replace(meta, 4, "GUI");
  if (key == "COMPOSE") key = "Application";
  return Args{"--escape-key", key};
}

Entry none(LookingGlassOption doc) { return Entry{doc, false, false, Mapper{}}; }

const std::vector<Entry>& table() {
  static const std::vector<Entry> entries = {
      // app
      {{"app:shmFile", 'f', "--shm PATH", ""}, false, false, value_of("shm")},
      none({"app:configFile", 'C', "", "kagami reads a TOML file: --config (see docs/usage.md)"}),
      none({"app:renderer", 'g', "", "kagami's backends have other names: --renderer gles|vulkan|auto"}),
      none({"app:license", 'l', "", "see the package's copyright file"}),
      none({"app:cursorPollInterval", 0, "", "kagami polls adaptively (1 ms while frames flow)"}),
      none({"app:framePollInterval", 0, "", "kagami polls adaptively (1 ms while frames flow)"}),
      none({"app:allowDMA", 0, "", "not implemented"}),
      // win
      {{"win:title", 0, "--title TEXT", ""}, false, false, value_of("title")},
      {{"win:position", 0, "-x X -y Y", "\"center\" is -1 -1"},
       false,
       false,
       [](const std::string& name, const std::string& v, SpiceAddress&) -> Result<Args> {
         if (v == "center") return Args{"--x", "-1", "--y", "-1"};
         std::string x, y;
         if (!parse_pair(v, x, y))
           return Error{fmt::format("Looking Glass option {}={}: expected XxY or center", name, v)};
         return Args{"--x", x, "--y", y};
       }},
      {{"win:size", 0, "--width W --height H", "WxH"},
       false,
       false,
       [](const std::string& name, const std::string& v, SpiceAddress&) -> Result<Args> {
         std::string w, h;
         if (!parse_pair(v, w, h))
           return Error{fmt::format("Looking Glass option {}={}: expected WxH", name, v)};
         return Args{"--width", w, "--height", h};
       }},
      {{"win:autoResize", 'a', "--follow-guest-size", ""}, true, false, flag("follow-guest-size")},
      none({"win:allowResize", 'n', "", "the kagami window is always resizable"}),
      {{"win:keepAspect", 'r', "--scale fit / stretch", "no: --scale stretch"},
       true,
       true,
       [](const std::string& name, const std::string& v, SpiceAddress&) -> Result<Args> {
         auto b = want_bool(name, v);
         if (!b) return b.error();
         return Args{"--scale", *b ? "fit" : "stretch"};
       }},
      none({"win:forceAspect", 0, "", "the window keeps its size; the image keeps its aspect (--scale)"}),
      {{"win:dontUpscale", 0, "--no-upscale", ""}, true, false, flag("upscale", true)},
      {{"win:intUpscale", 0, "--scale integer", "no: --scale fit"},
       true,
       false,
       [](const std::string& name, const std::string& v, SpiceAddress&) -> Result<Args> {
         auto b = want_bool(name, v);
         if (!b) return b.error();
         return Args{"--scale", *b ? "integer" : "fit"};
       }},
      none({"win:shrinkOnUpscale", 0, "", "not implemented"}),
      {{"win:borderless", 'd', "--borderless", ""}, true, false, flag("borderless")},
      {{"win:fullScreen", 'F', "--fullscreen", ""}, true, false, flag("fullscreen")},
      none({"win:maximize", 'T', "", "not implemented"}),
      none({"win:minimizeOnFocusLoss", 0, "", "not implemented"}),
      none({"win:fpsMin", 'K', "", "kagami draws when a frame arrives (--present)"}),
      none({"win:ignoreQuit", 'Q', "", "not implemented"}),
      none({"win:noScreensaver", 'S', "", "kagami blocks the screensaver when the guest asks"}),
      none({"win:autoScreensaver", 0, "", "always on in kagami"}),
      none({"win:alerts", 'q', "", "kagami's notices are always shown (escape key + O hides them)"}),
      none({"win:quickSplash", 0, "", "kagami has no splash screen"}),
      none({"win:overlayDimsDesktop", 0, "", "not implemented"}),
      {{"win:rotate", 0, "--rotate DEGREES", ""}, false, false, value_of("rotate")},
      none({"win:uiFont", 0, "", "not implemented"}),
      none({"win:uiSize", 0, "", "not implemented"}),
      none({"win:jitRender", 0, "", "kagami draws when a frame arrives (--present on-frame)"}),
      {{"win:showFPS", 'k', "--show-stats", ""}, true, false, flag("show-stats")},
      {{"win:requestActivation", 0, "--request-activation", ""}, true, false, flag("request-activation")},
      none({"win:setGuestRes", 0, "", "not implemented"}),
      // input
      none({"input:grabKeyboard", 'G', "", "capture always grabs the keyboard"}),
      none({"input:grabKeyboardOnFocus", 0, "", "not implemented"}),
      none({"input:releaseKeysOnFocusLoss", 0, "", "always on in kagami"}),
      {{"input:escapeKey", 'm', "--escape-key NAME", "a key code (70) or name (KEY_SCROLLLOCK)"},
       false,
       false,
       escape_key},
      none({"input:ignoreWindowsKeys", 0, "", "not implemented"}),
      none({"input:hideCursor", 'M', "", "kagami hides the host cursor over the guest image"}),
      {{"input:mouseSens", 0, "--mouse-sensitivity N", ""}, false, false, value_of("mouse-sensitivity")},
      none({"input:mouseSmoothing", 0, "", "not implemented"}),
      {{"input:rawMouse", 0, "--raw-mouse", ""}, true, false, flag("raw-mouse")},
      none({"input:mouseRedraw", 0, "", "always on in kagami"}),
      none({"input:autoCapture", 0, "", "not implemented"}),
      none({"input:captureOnly", 0, "", "not implemented"}),
      none({"input:helpMenuDelay", 0, "", "kagami shows the help while the escape key is held"}),
      // spice
      {{"spice:enable", 's', "--spice / --no-spice", "-s: --no-spice"}, true, true, flag("spice")},
      {{"spice:host", 'c', "--spice-uri", "with spice:port: spice://HOST:PORT; port 0: spice+unix://HOST"},
       false,
       false,
       [](const std::string&, const std::string& v, SpiceAddress& a) -> Result<Args> {
         a.host = v;
         return Args{};
       }},
      {{"spice:port", 'p', "--spice-uri", "see spice:host"},
       false,
       false,
       [](const std::string& name, const std::string& v, SpiceAddress& a) -> Result<Args> {
         try {
           std::size_t used = 0;
           const long port = std::stol(v, &used);
           if (used != v.size() || port < 0 || port > 65535) throw std::out_of_range("port");
           a.port = port;
         } catch (const std::exception&) {
           return Error{fmt::format("Looking Glass option {}={}: expected a port 0 to 65535", name, v)};
         }
         return Args{};
       }},
      {{"spice:input", 0, "--input", ""}, true, true, flag("input")},
      {{"spice:clipboard", 0, "--clipboard", ""}, true, true, flag("clipboard")},
      {{"spice:clipboardToVM", 0, "--clipboard-to-guest", ""}, true, true, flag("clipboard-to-guest")},
      {{"spice:clipboardToLocal", 0, "--clipboard-to-host", ""}, true, true, flag("clipboard-to-host")},
      none({"spice:scaleCursor", 'j', "", "always on in kagami"}),
      {{"spice:captureOnStart", 0, "--capture-on-start", ""}, true, false, flag("capture-on-start")},
      none({"spice:alwaysShowCursor", 0, "", "not implemented"}),
      none({"spice:showCursorDot", 0, "", "not implemented"}),
      none({"spice:largeCursorDot", 0, "", "not implemented"}),
      // audio
      {{"audio:micDefault", 0, "--microphone / --no-microphone", "allow or deny; kagami does not prompt"},
       false,
       false,
       [](const std::string& name, const std::string& v, SpiceAddress&) -> Result<Args> {
         if (v == "allow") return Args{"--microphone"};
         if (v == "deny") return Args{"--no-microphone"};
         return Error{
             fmt::format("Looking Glass option {}={}: kagami does not prompt; use allow or deny "
                         "(or escape key + E while running)",
                         name, v)};
       }},
      none({"audio:micShowIndicator", 0, "", "not implemented"}),
      none({"audio:periodSize", 0, "", "kagami's playback buffer adapts by itself"}),
      none({"audio:bufferLatency", 0, "", "kagami's playback buffer adapts by itself"}),
      none({"audio:syncVolume", 0, "", "kagami applies the guest's volume on top of --volume"}),
      // renderers
      {{"egl:vsync", 0, "--vsync", ""}, true, false, flag("vsync")},
      {{"opengl:vsync", 0, "--vsync", ""}, true, true, flag("vsync")},
      {{"egl:scale", 0, "--filter", "0 auto, 1 nearest, 2 linear"},
       false,
       false,
       [](const std::string& name, const std::string& v, SpiceAddress&) -> Result<Args> {
         static const std::map<std::string, const char*> kFilters = {
             {"0", "auto"}, {"1", "nearest"}, {"2", "linear"}};
         auto it = kFilters.find(v);
         if (it == kFilters.end())
           return Error{fmt::format("Looking Glass option {}={}: expected 0, 1 or 2", name, v)};
         return Args{"--filter", it->second};
       }},
  };
  return entries;
}

const Entry* find_long(const std::string& name) {
  for (const Entry& e : table()) {
    if (e.doc.name == name) return &e;
  }
  return nullptr;
}

const Entry* find_short(char c) {
  for (const Entry& e : table()) {
    if (e.doc.short_flag == c) return &e;
  }
  return nullptr;
}

Result<Args> apply(const Entry& e, const std::string& spelling, std::optional<std::string> value,
                   SpiceAddress& spice) {
  if (!e.map) {
    return Error{fmt::format("the Looking Glass option {} has no kagami equivalent ({}); see docs/usage.md",
                             spelling, e.doc.note)};
  }
  if (!value) {
    if (!e.is_bool) return Error{fmt::format("the Looking Glass option {} needs a value", spelling)};
    value = e.lg_default ? "no" : "yes";  // a bare boolean toggles Looking Glass's default
  }
  return e.map(e.doc.name, *value, spice);
}

}  // namespace

const std::vector<LookingGlassOption>& looking_glass_options() {
  static const std::vector<LookingGlassOption> docs = [] {
    std::vector<LookingGlassOption> d;
    for (const Entry& e : table()) d.push_back(e.doc);
    return d;
  }();
  return docs;
}

Result<std::vector<std::string>> translate_looking_glass_args(
    const std::vector<std::string>& args, const std::function<bool(const std::string&)>& takes_value) {
  static const std::regex kLong(R"((app|win|input|spice|audio|egl|opengl|wayland|i3):([A-Za-z]+)(=(.*))?)",
                                std::regex::optimize);
  Args out;
  SpiceAddress spice;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    std::smatch m;
    if (std::regex_match(arg, m, kLong)) {
      const std::string name = m[1].str() + ":" + m[2].str();
      const Entry* e = find_long(name);
      if (!e) {
        return Error{
            fmt::format("the Looking Glass option {} has no kagami equivalent; see docs/usage.md for "
                        "the ones kagami takes",
                        name)};
      }
      auto mapped =
          apply(*e, name, m[3].matched ? std::optional<std::string>(m[4].str()) : std::nullopt, spice);
      if (!mapped) return mapped.error();
      out.insert(out.end(), mapped->begin(), mapped->end());
      continue;
    }
    const Entry* e = arg.size() == 2 && arg[0] == '-' ? find_short(arg[1]) : nullptr;
    if (e) {
      std::optional<std::string> value;
      if (!e->is_bool && e->map) {
        if (i + 1 >= args.size())
          return Error{fmt::format("the Looking Glass option {} ({}) needs a value", arg, e->doc.name)};
        value = args[++i];
      }
      auto mapped = apply(*e, arg + " (" + e->doc.name + ")", value, spice);
      if (!mapped) return mapped.error();
      out.insert(out.end(), mapped->begin(), mapped->end());
      continue;
    }
    out.push_back(arg);
    if (takes_value(arg) && i + 1 < args.size()) out.push_back(args[++i]);  // a value, never translated
  }
  if (spice.host || spice.port) {
    const std::string host = spice.host.value_or("127.0.0.1");
    const long port = spice.port.value_or(5900);
    out.push_back("--spice-uri");
    out.push_back(port == 0 ? "spice+unix://" + host : fmt::format("spice://{}:{}", host, port));
  }
  return out;
}

}  // namespace kagami::client
