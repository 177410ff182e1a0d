// The SDL → set-1 table: known keys checked against the PC AT set-1 scancode list, and the SDL
// numbers checked against SDL's own header (so the table cannot drift from SDL_Scancode).
#include "spice/keymap.h"

#include <SDL2/SDL_scancode.h>
#include <gtest/gtest.h>

#include <set>

namespace kagami::spice {
namespace {

using Bytes = std::vector<uint8_t>;

TEST(SpiceKeymap, MainBlockKeys) {
  EXPECT_EQ(set1_from_sdl(SDL_SCANCODE_ESCAPE), 0x01u);
  EXPECT_EQ(set1_from_sdl(SDL_SCANCODE_1), 0x02u);
  EXPECT_EQ(set1_from_sdl(SDL_SCANCODE_0), 0x0Bu);
  EXPECT_EQ(set1_from_sdl(SDL_SCANCODE_Q), 0x10u);
  EXPECT_EQ(set1_from_sdl(SDL_SCANCODE_A), 0x1Eu);
  EXPECT_EQ(set1_from_sdl(SDL_SCANCODE_Z), 0x2Cu);
  EXPECT_EQ(set1_from_sdl(SDL_SCANCODE_M), 0x32u);
  EXPECT_EQ(set1_from_sdl(SDL_SCANCODE_RETURN), 0x1Cu);
  EXPECT_EQ(set1_from_sdl(SDL_SCANCODE_SPACE), 0x39u);
  EXPECT_EQ(set1_from_sdl(SDL_SCANCODE_GRAVE), 0x29u);
  EXPECT_EQ(set1_from_sdl(SDL_SCANCODE_BACKSLASH), 0x2Bu);
  EXPECT_EQ(set1_from_sdl(SDL_SCANCODE_NONUSBACKSLASH), 0x56u);  // the 105th key
  EXPECT_EQ(set1_from_sdl(SDL_SCANCODE_F1), 0x3Bu);
  EXPECT_EQ(set1_from_sdl(SDL_SCANCODE_F10), 0x44u);
  EXPECT_EQ(set1_from_sdl(SDL_SCANCODE_F11), 0x57u);
  EXPECT_EQ(set1_from_sdl(SDL_SCANCODE_F12), 0x58u);
  EXPECT_EQ(set1_from_sdl(SDL_SCANCODE_LCTRL), 0x1Du);
  EXPECT_EQ(set1_from_sdl(SDL_SCANCODE_LSHIFT), 0x2Au);
  EXPECT_EQ(set1_from_sdl(SDL_SCANCODE_RSHIFT), 0x36u);
  EXPECT_EQ(set1_from_sdl(SDL_SCANCODE_LALT), 0x38u);
  EXPECT_EQ(set1_from_sdl(SDL_SCANCODE_CAPSLOCK), 0x3Au);
  EXPECT_EQ(set1_from_sdl(SDL_SCANCODE_NUMLOCKCLEAR), 0x45u);
  EXPECT_EQ(set1_from_sdl(SDL_SCANCODE_SCROLLLOCK), 0x46u);
}

TEST(SpiceKeymap, KeypadIsNotExtendedExceptEnterAndDivide) {
  EXPECT_EQ(set1_from_sdl(SDL_SCANCODE_KP_7), 0x47u);
  EXPECT_EQ(set1_from_sdl(SDL_SCANCODE_KP_0), 0x52u);
  EXPECT_EQ(set1_from_sdl(SDL_SCANCODE_KP_PERIOD), 0x53u);
  EXPECT_EQ(set1_from_sdl(SDL_SCANCODE_KP_MULTIPLY), 0x37u);
  EXPECT_EQ(set1_from_sdl(SDL_SCANCODE_KP_ENTER), 0xE01Cu);
  EXPECT_EQ(set1_from_sdl(SDL_SCANCODE_KP_DIVIDE), 0xE035u);
}

TEST(SpiceKeymap, ExtendedKeysCarryE0) {
  EXPECT_EQ(set1_from_sdl(SDL_SCANCODE_RCTRL), 0xE01Du);
  EXPECT_EQ(set1_from_sdl(SDL_SCANCODE_RALT), 0xE038u);
  EXPECT_EQ(set1_from_sdl(SDL_SCANCODE_LGUI), 0xE05Bu);
  EXPECT_EQ(set1_from_sdl(SDL_SCANCODE_RGUI), 0xE05Cu);
  EXPECT_EQ(set1_from_sdl(SDL_SCANCODE_APPLICATION), 0xE05Du);
  EXPECT_EQ(set1_from_sdl(SDL_SCANCODE_INSERT), 0xE052u);
  EXPECT_EQ(set1_from_sdl(SDL_SCANCODE_DELETE), 0xE053u);
  EXPECT_EQ(set1_from_sdl(SDL_SCANCODE_HOME), 0xE047u);
  EXPECT_EQ(set1_from_sdl(SDL_SCANCODE_END), 0xE04Fu);
  EXPECT_EQ(set1_from_sdl(SDL_SCANCODE_PAGEUP), 0xE049u);
  EXPECT_EQ(set1_from_sdl(SDL_SCANCODE_PAGEDOWN), 0xE051u);
  EXPECT_EQ(set1_from_sdl(SDL_SCANCODE_UP), 0xE048u);
  EXPECT_EQ(set1_from_sdl(SDL_SCANCODE_DOWN), 0xE050u);
  EXPECT_EQ(set1_from_sdl(SDL_SCANCODE_LEFT), 0xE04Bu);
  EXPECT_EQ(set1_from_sdl(SDL_SCANCODE_RIGHT), 0xE04Du);
  EXPECT_EQ(set1_from_sdl(SDL_SCANCODE_PRINTSCREEN), 0xE037u);
}

TEST(SpiceKeymap, MediaKeys) {
  EXPECT_EQ(set1_from_sdl(SDL_SCANCODE_AUDIOMUTE), 0xE020u);
  EXPECT_EQ(set1_from_sdl(SDL_SCANCODE_MUTE), 0xE020u);
  EXPECT_EQ(set1_from_sdl(SDL_SCANCODE_VOLUMEUP), 0xE030u);
  EXPECT_EQ(set1_from_sdl(SDL_SCANCODE_VOLUMEDOWN), 0xE02Eu);
  EXPECT_EQ(set1_from_sdl(SDL_SCANCODE_AUDIOPLAY), 0xE022u);
  EXPECT_EQ(set1_from_sdl(SDL_SCANCODE_AUDIOSTOP), 0xE024u);
  EXPECT_EQ(set1_from_sdl(SDL_SCANCODE_AUDIONEXT), 0xE019u);
  EXPECT_EQ(set1_from_sdl(SDL_SCANCODE_AUDIOPREV), 0xE010u);
  EXPECT_EQ(set1_from_sdl(SDL_SCANCODE_CALCULATOR), 0xE021u);
  EXPECT_EQ(set1_from_sdl(SDL_SCANCODE_MAIL), 0xE06Cu);
  EXPECT_EQ(set1_from_sdl(SDL_SCANCODE_AC_HOME), 0xE032u);
  EXPECT_EQ(set1_from_sdl(SDL_SCANCODE_AC_BACK), 0xE06Au);
  EXPECT_EQ(set1_from_sdl(SDL_SCANCODE_SLEEP), 0xE05Fu);
}

TEST(SpiceKeymap, FullPcKeyboardIsCovered) {
  // Every key of a 105-key ISO board (plus the ANSI backslash) has a code, and no two different
  // physical keys share one (NonUSHash/backslash and the two mutes are the same key position).
  std::set<Set1Code> seen;
  int mapped = 0;
  for (int sdl = SDL_SCANCODE_A; sdl <= SDL_SCANCODE_KP_PERIOD; ++sdl) {
    if (sdl == SDL_SCANCODE_NONUSHASH) continue;
    auto code = set1_from_sdl(sdl);
    ASSERT_TRUE(code.has_value()) << "SDL scancode " << sdl << " has no set-1 code";
    EXPECT_TRUE(seen.insert(*code).second) << "SDL scancode " << sdl << " reuses a code";
    ++mapped;
  }
  for (int sdl : {SDL_SCANCODE_NONUSBACKSLASH, SDL_SCANCODE_APPLICATION, SDL_SCANCODE_LCTRL,
                  SDL_SCANCODE_LSHIFT, SDL_SCANCODE_LALT, SDL_SCANCODE_LGUI, SDL_SCANCODE_RCTRL,
                  SDL_SCANCODE_RSHIFT, SDL_SCANCODE_RALT, SDL_SCANCODE_RGUI}) {
    auto code = set1_from_sdl(sdl);
    ASSERT_TRUE(code.has_value()) << sdl;
    EXPECT_TRUE(seen.insert(*code).second) << sdl;
    ++mapped;
  }
  EXPECT_GE(mapped, 105);
}

TEST(SpiceKeymap, UnknownScancodesHaveNoCode) {
  EXPECT_FALSE(set1_from_sdl(SDL_SCANCODE_UNKNOWN).has_value());
  EXPECT_FALSE(set1_from_sdl(-1).has_value());
  EXPECT_FALSE(set1_from_sdl(SDL_NUM_SCANCODES).has_value());
  EXPECT_FALSE(set1_from_sdl(SDL_SCANCODE_BRIGHTNESSUP).has_value());
}

TEST(SpiceKeymap, MakeAndBreakBytes) {
  EXPECT_EQ(set1_make_bytes(0x1E), (Bytes{0x1E}));
  EXPECT_EQ(set1_break_bytes(0x1E), (Bytes{0x9E}));
  EXPECT_EQ(set1_make_bytes(0xE01D), (Bytes{0xE0, 0x1D}));
  EXPECT_EQ(set1_break_bytes(0xE01D), (Bytes{0xE0, 0x9D}));
  // Pause as E0 46 / E0 C6: the code QEMU maps to its Pause key with a press and a release.
  EXPECT_EQ(set1_from_sdl(SDL_SCANCODE_PAUSE), 0xE046u);
  EXPECT_EQ(set1_break_bytes(0xE046), (Bytes{0xE0, 0xC6}));
}

}  // namespace
}  // namespace kagami::spice
