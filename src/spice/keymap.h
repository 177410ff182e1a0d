#pragma once
// SDL scancodes (USB HID usage IDs, the values of SDL_Scancode) → PC AT set-1 scancodes, the codes
// SPICE's inputs channel carries and QEMU's PS/2 keyboard expects. Pure table, no SDL header:
// callers pass the plain integer value of an SDL_Scancode.
#include <cstdint>
#include <optional>
#include <vector>

namespace kagami::spice {

// A set-1 key written as its make bytes read left to right: 0x1E is 'A', 0xE01D is right Ctrl
// (E0-prefixed). Pause is E0 46 (see keymap.cpp).
using Set1Code = uint32_t;

// The set-1 key for an SDL scancode, or nothing for keys a PC keyboard does not have.
std::optional<Set1Code> set1_from_sdl(int sdl_scancode);

bool set1_is_extended(Set1Code code);  // E0-prefixed

// The bytes sent on press / release: the make code, and the make code with bit 7 set.
std::vector<uint8_t> set1_make_bytes(Set1Code code);
std::vector<uint8_t> set1_break_bytes(Set1Code code);

}  // namespace kagami::spice
