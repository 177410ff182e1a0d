// Looking Glass B7 spellings through the real command-line parser: what each becomes, and the
// error for the ones kagami has no equivalent for.
#include "client/looking_glass_options.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "client/key_bindings.h"
#include "client/options.h"

namespace kagami::client {
namespace {

ParsedCommandLine parse(std::vector<std::string> args) {
  args.insert(args.begin(), "kagami-client");
  args.insert(args.begin() + 1, {"--config", "/dev/null"});
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  return parse_command_line(static_cast<int>(argv.size()), argv.data());
}

TEST(LookingGlassOptions, ShortFlagsAndLongFormsBecomeKagamiOptions) {
  const auto p = parse({"-f", "/dev/kvmfr0", "-F", "-s", "win:size=1920x1080", "egl:vsync=yes", "-k", "-a",
                        "-d", "win:rotate=90", "input:mouseSens=-4", "audio:micDefault=allow",
                        "spice:clipboardToVM=no", "win:keepAspect=no", "spice:captureOnStart"});
  ASSERT_FALSE(p.exit);
  const Options& o = p.options;
  EXPECT_EQ(o.shm, "/dev/kvmfr0");
  EXPECT_TRUE(o.fullscreen);
  EXPECT_FALSE(o.spice);  // -s toggles Looking Glass's default (on)
  EXPECT_EQ(o.width, 1920u);
  EXPECT_EQ(o.height, 1080u);
  EXPECT_TRUE(o.vsync);
  EXPECT_TRUE(o.show_stats);
  EXPECT_TRUE(o.follow_guest_size);
  EXPECT_TRUE(o.borderless);
  EXPECT_EQ(o.rotate, 90);
  EXPECT_EQ(o.mouse_sensitivity, -4);
  EXPECT_TRUE(o.microphone);
  EXPECT_FALSE(o.clipboard_to_guest);
  EXPECT_EQ(o.scale, ScaleMode::stretch);
  EXPECT_TRUE(o.capture_on_start);
}

TEST(LookingGlassOptions, BooleansTakeLookingGlassWordsAndKagamiOptionsStillWork) {
  const auto p = parse({"win:fullScreen=true", "spice:enable=no", "app:shmFile=/dev/shm/x", "--title",
                        "win:foo", "win:dontUpscale=yes", "win:position=center"});
  ASSERT_FALSE(p.exit);
  EXPECT_TRUE(p.options.fullscreen);
  EXPECT_FALSE(p.options.spice);
  EXPECT_EQ(p.options.shm, "/dev/shm/x");
  EXPECT_EQ(p.options.title, "win:foo");  // a kagami option's value is never translated
  EXPECT_FALSE(p.options.upscale);
  EXPECT_EQ(p.options.x, -1);
}

TEST(LookingGlassOptions, SpiceHostAndPortBecomeOneUri) {
  EXPECT_EQ(parse({"-c", "10.0.0.2", "-p", "5930"}).options.spice_uri, "spice://10.0.0.2:5930");
  EXPECT_EQ(parse({"spice:port=5931"}).options.spice_uri, "spice://127.0.0.1:5931");
  EXPECT_EQ(parse({"spice:host=/run/vm/spice.sock", "spice:port=0"}).options.spice_uri,
            "spice+unix:///run/vm/spice.sock");
}

TEST(LookingGlassOptions, EscapeKeyAsALinuxKeyCodeOrName) {
  for (const auto& [lg, name] :
       std::vector<std::pair<std::string, std::string>>{{"70", "ScrollLock"},
                                                        {"97", "Right Ctrl"},
                                                        {"KEY_RIGHTCTRL", "RIGHTCTRL"},
                                                        {"KEY_PAUSE", "PAUSE"}}) {
    const auto p = parse({"-m", lg});
    ASSERT_FALSE(p.exit) << lg;
    EXPECT_EQ(p.options.escape_key, name);
    EXPECT_TRUE(parse_escape_key(p.options.escape_key).ok()) << lg;
  }
  EXPECT_EQ(*parse_escape_key(parse({"input:escapeKey=KEY_LEFTMETA"}).options.escape_key), SDL_SCANCODE_LGUI);
}

TEST(LookingGlassOptions, NoEquivalentIsAnErrorNamingTheOption) {
  auto keep = [](const std::string&) { return false; };
  for (const char* arg :
       {"-T", "app:renderer=EGL", "win:maximize=yes", "win:foo=1", "wayland:warpSupport=no"}) {
    auto r = translate_looking_glass_args({arg}, keep);
    ASSERT_FALSE(r.ok()) << arg;
    const std::string name = std::string(arg).substr(0, std::string(arg).find('='));
    EXPECT_NE(r.error().message.find(name), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("no kagami equivalent"), std::string::npos) << r.error().message;
    EXPECT_TRUE(parse({arg}).exit) << arg;
    EXPECT_EQ(parse({arg}).exit_code, 2) << arg;
  }
  auto bad = translate_looking_glass_args({"win:size=big"}, keep);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("WxH"), std::string::npos);
  auto prompt = translate_looking_glass_args({"audio:micDefault=prompt"}, keep);
  ASSERT_FALSE(prompt.ok());
}

std::string source_file(const std::string& path) {
  std::ifstream in(KAGAMI_SOURCE_DIR "/" + path);
  EXPECT_TRUE(in) << path;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// docs/usage.md lists every option of the table, with and without an equivalent.
TEST(LookingGlassOptions, TheUserGuideListsEveryOne) {
  const std::string guide = source_file("docs/usage.md");
  for (const LookingGlassOption& o : looking_glass_options()) {
    EXPECT_NE(guide.find(std::string("`") + o.name + "`"), std::string::npos) << o.name;
  }
}

// The help overlay's lines are the user guide's key table and the man page's KEYS (the man page
// escapes '-' as "\-").
TEST(UserDocs, KeysInTheGuideAndTheManPageAreTheHelpOverlays) {
  const std::string guide = source_file("docs/usage.md");
  const std::string man = source_file("packaging/kagami-client.h2m");
  for (const KeyHelp& h : key_help()) {
    std::string keys = h.keys;
    EXPECT_NE(guide.find("| " + keys + " | " + h.what + " |"), std::string::npos) << keys;
    std::string what = h.what;
    for (std::size_t at = 0; (at = what.find('-', at)) != std::string::npos; at += 2) what.insert(at, "\\");
    EXPECT_NE(man.find(".B " + keys + "\n" + what + "\n"), std::string::npos) << keys;
  }
}

TEST(UserDocs, TheExampleConfigFileIsValid) {
  Options o;
  auto loaded = load_config_file(KAGAMI_SOURCE_DIR "/docs/examples/client.toml", o);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(o.shm, "/dev/kvmfr0");
  EXPECT_EQ(o.volume, 80u);
}

}  // namespace
}  // namespace kagami::client
