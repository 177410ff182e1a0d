#include "spice/keymap.h"

#include <array>

namespace kagami::spice {
namespace {

struct Entry {
  int sdl;  // SDL_Scancode value (USB HID usage ID, or SDL's own numbers above 256)
  Set1Code set1;
};

// Sorted by SDL scancode. Values checked against SDL's header in tests/spice/keymap_test.cpp.
constexpr std::array kTable = std::to_array<Entry>({
    // Letters: SDL 4..29 = A..Z.
    {4, 0x1E},   // A
    {5, 0x30},   // B
    {6, 0x2E},   // C
    {7, 0x20},   // D
    {8, 0x12},   // E
    {9, 0x21},   // F
    {10, 0x22},  // G
    {11, 0x23},  // H
    {12, 0x17},  // I
    {13, 0x24},  // J
    {14, 0x25},  // K
    {15, 0x26},  // L
    {16, 0x32},  // M
    {17, 0x31},  // N
    {18, 0x18},  // O
    {19, 0x19},  // P
    {20, 0x10},  // Q
    {21, 0x13},  // R
    {22, 0x1F},  // S
    {23, 0x14},  // T
    {24, 0x16},  // U
    {25, 0x2F},  // V
    {26, 0x11},  // W
    {27, 0x2D},  // X
    {28, 0x15},  // Y
    {29, 0x2C},
    // Digits 1..9, 0.
    {30, 0x02},  // 1
    {31, 0x03},  // 2
    {32, 0x04},  // 3
    {33, 0x05},  // 4
    {34, 0x06},  // 5
    {35, 0x07},  // 6
    {36, 0x08},  // 7
    {37, 0x09},  // 8
    {38, 0x0A},  // 9
    {39, 0x0B},  // 0
    {40, 0x1C},  // Return
    {41, 0x01},  // Escape
    {42, 0x0E},  // Backspace
    {43, 0x0F},  // Tab
    {44, 0x39},  // Space
    {45, 0x0C},  // Minus
    {46, 0x0D},  // Equals
    {47, 0x1A},  // Left bracket
    {48, 0x1B},  // Right bracket
    {49, 0x2B},  // Backslash
    {50, 0x2B},  // Non-US hash: the same key position as backslash on ISO boards
    {51, 0x27},  // Semicolon
    {52, 0x28},  // Apostrophe
    {53, 0x29},  // Grave
    {54, 0x33},  // Comma
    {55, 0x34},  // Period
    {56, 0x35},  // Slash
    {57, 0x3A},  // Caps Lock
    // F1..F12.
    {58, 0x3B},    // F1
    {59, 0x3C},    // F2
    {60, 0x3D},    // F3
    {61, 0x3E},    // F4
    {62, 0x3F},    // F5
    {63, 0x40},    // F6
    {64, 0x41},    // F7
    {65, 0x42},    // F8
    {66, 0x43},    // F9
    {67, 0x44},    // F10
    {68, 0x57},    // F11
    {69, 0x58},    // F12
    {70, 0xE037},  // Print Screen (QEMU adds the fake shifts itself)
    {71, 0x46},    // Scroll Lock
    // Pause: a real PC keyboard sends E1 1D 45 E1 9D C5 on press and nothing on release; QEMU turns
    // that into a press without a release (stuck in a USB guest). E0 46 (Ctrl+Break's code, what
    // spice-gtk sends via keycodemapdb) is QEMU's Pause key number: press and release both arrive.
    {72, 0xE046},
    {73, 0xE052},  // Insert
    {74, 0xE047},  // Home
    {75, 0xE049},  // Page Up
    {76, 0xE053},  // Delete
    {77, 0xE04F},  // End
    {78, 0xE051},  // Page Down
    {79, 0xE04D},  // Right
    {80, 0xE04B},  // Left
    {81, 0xE050},  // Down
    {82, 0xE048},  // Up
    {83, 0x45},    // Num Lock
    {84, 0xE035},  // Keypad /
    {85, 0x37},    // Keypad *
    {86, 0x4A},    // Keypad -
    {87, 0x4E},    // Keypad +
    {88, 0xE01C},  // Keypad Enter
    // Keypad 1..9, 0, period.
    {89, 0x4F},     // Keypad 1
    {90, 0x50},     // Keypad 2
    {91, 0x51},     // Keypad 3
    {92, 0x4B},     // Keypad 4
    {93, 0x4C},     // Keypad 5
    {94, 0x4D},     // Keypad 6
    {95, 0x47},     // Keypad 7
    {96, 0x48},     // Keypad 8
    {97, 0x49},     // Keypad 9
    {98, 0x52},     // Keypad 0
    {99, 0x53},     // Keypad .
    {100, 0x56},    // Non-US backslash (the 105th key)
    {101, 0xE05D},  // Application (menu)
    {102, 0xE05E},  // Power
    {103, 0x59},    // Keypad =
    // F13..F24.
    {104, 0x64},    // F13
    {105, 0x65},    // F14
    {106, 0x66},    // F15
    {107, 0x67},    // F16
    {108, 0x68},    // F17
    {109, 0x69},    // F18
    {110, 0x6A},    // F19
    {111, 0x6B},    // F20
    {112, 0x6C},    // F21
    {113, 0x6D},    // F22
    {114, 0x6E},    // F23
    {115, 0x76},    // F24
    {127, 0xE020},  // Mute
    {128, 0xE030},  // Volume up
    {129, 0xE02E},  // Volume down
    {133, 0x7E},    // Keypad comma (Brazilian/Japanese)
    {135, 0x73},    // International1: Ro
    {136, 0x70},    // International2: Katakana/Hiragana
    {137, 0x7D},    // International3: Yen
    {138, 0x79},    // International4: Henkan
    {139, 0x7B},    // International5: Muhenkan
    {224, 0x1D},    // Left Ctrl
    {225, 0x2A},    // Left Shift
    {226, 0x38},    // Left Alt
    {227, 0xE05B},  // Left GUI (Windows)
    {228, 0xE01D},  // Right Ctrl
    {229, 0x36},    // Right Shift
    {230, 0xE038},  // Right Alt (AltGr)
    {231, 0xE05C},  // Right GUI (Windows)
    // Media and application-control keys (SDL's own numbers).
    {258, 0xE019},  // Next track
    {259, 0xE010},  // Previous track
    {260, 0xE024},  // Stop
    {261, 0xE022},  // Play/Pause
    {262, 0xE020},  // Mute
    {263, 0xE06D},  // Media select
    {264, 0xE032},  // WWW
    {265, 0xE06C},  // Mail
    {266, 0xE021},  // Calculator
    {267, 0xE06B},  // My Computer
    {268, 0xE065},  // Browser search
    {269, 0xE032},  // Browser home
    {270, 0xE06A},  // Browser back
    {271, 0xE069},  // Browser forward
    {272, 0xE068},  // Browser stop
    {273, 0xE067},  // Browser refresh
    {274, 0xE066},  // Browser favourites
    {282, 0xE05F},  // Sleep
});

constexpr bool table_is_sorted() {
  for (size_t i = 1; i < kTable.size(); ++i) {
    if (kTable[i - 1].sdl >= kTable[i].sdl) return false;
  }
  return true;
}
static_assert(table_is_sorted(), "binary search needs the table sorted by SDL scancode");

}  // namespace

std::optional<Set1Code> set1_from_sdl(int sdl_scancode) {
  size_t low = 0;
  size_t high = kTable.size();
  while (low < high) {
    size_t mid = (low + high) / 2;
    if (kTable[mid].sdl < sdl_scancode) {
      low = mid + 1;
    } else {
      high = mid;
    }
  }
  if (low < kTable.size() && kTable[low].sdl == sdl_scancode) return kTable[low].set1;
  return std::nullopt;
}

bool set1_is_extended(Set1Code code) { return (code & 0xFF00) == 0xE000 && code <= 0xFFFF; }

std::vector<uint8_t> set1_make_bytes(Set1Code code) {
  if (set1_is_extended(code)) return {0xE0, static_cast<uint8_t>(code & 0x7F)};
  return {static_cast<uint8_t>(code & 0x7F)};
}

std::vector<uint8_t> set1_break_bytes(Set1Code code) {
  if (set1_is_extended(code)) return {0xE0, static_cast<uint8_t>((code & 0x7F) | 0x80)};
  return {static_cast<uint8_t>((code & 0x7F) | 0x80)};
}

}  // namespace kagami::spice
