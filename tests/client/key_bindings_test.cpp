#include "client/key_bindings.h"

#include <gtest/gtest.h>

namespace kagami::client {
namespace {

TEST(KeyBindings, EscapeKeyNamesAreSdlScancodeNamesWithSpacesOptional) {
  EXPECT_EQ(*parse_escape_key("ScrollLock"), SDL_SCANCODE_SCROLLLOCK);
  EXPECT_EQ(*parse_escape_key("scroll lock"), SDL_SCANCODE_SCROLLLOCK);
  EXPECT_EQ(*parse_escape_key("Right Ctrl"), SDL_SCANCODE_RCTRL);
  EXPECT_EQ(*parse_escape_key("RightCtrl"), SDL_SCANCODE_RCTRL);
  auto bad = parse_escape_key("Hyper Mega");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("Hyper Mega"), std::string::npos);
}

TEST(KeyBindings, CommandsOnlyWhileTheEscapeKeyIsHeld) {
  KeyBindingState keys(SDL_SCANCODE_SCROLLLOCK);
  std::optional<Command> command;
  EXPECT_FALSE(keys.on_key(SDL_SCANCODE_S, true, 0, command));  // for the guest
  EXPECT_FALSE(command);
  EXPECT_TRUE(keys.on_key(SDL_SCANCODE_SCROLLLOCK, true, 0, command));
  EXPECT_TRUE(keys.escape_held());
  EXPECT_TRUE(keys.on_key(SDL_SCANCODE_S, true, 0, command));
  EXPECT_EQ(command, Command::screenshot);
  EXPECT_TRUE(keys.on_key(SDL_SCANCODE_S, false, 0, command));  // the release is the client's too
  EXPECT_FALSE(command);
  EXPECT_TRUE(keys.on_key(SDL_SCANCODE_Z, true, 0, command));  // unbound, still not the guest's
  EXPECT_FALSE(command);
  EXPECT_TRUE(keys.on_key(SDL_SCANCODE_SCROLLLOCK, false, 0, command));
  EXPECT_FALSE(keys.escape_held());
  EXPECT_FALSE(keys.on_key(SDL_SCANCODE_Q, true, 0, command));
  EXPECT_FALSE(command);
}

TEST(KeyBindings, TappingTheEscapeKeyAloneTogglesCapture) {
  KeyBindingState keys(SDL_SCANCODE_SCROLLLOCK);
  std::optional<Command> command;
  keys.on_key(SDL_SCANCODE_SCROLLLOCK, true, 0, command);
  EXPECT_FALSE(command);
  keys.on_key(SDL_SCANCODE_SCROLLLOCK, false, 0, command);
  EXPECT_EQ(command, Command::toggle_capture);
  // Held with another key: a command, not a tap.
  keys.on_key(SDL_SCANCODE_SCROLLLOCK, true, 0, command);
  keys.on_key(SDL_SCANCODE_D, true, 0, command);
  EXPECT_EQ(command, Command::toggle_stats);
  keys.on_key(SDL_SCANCODE_D, false, 0, command);
  keys.on_key(SDL_SCANCODE_SCROLLLOCK, false, 0, command);
  EXPECT_FALSE(command);
}

TEST(KeyBindings, HoldingTheEscapeKeyToReadTheHelpDoesNotCapture) {
  KeyBindingState keys(SDL_SCANCODE_SCROLLLOCK);
  std::optional<Command> command;
  keys.on_key(SDL_SCANCODE_SCROLLLOCK, true, 1000, command);
  EXPECT_TRUE(keys.escape_held());  // the help shows
  keys.on_key(SDL_SCANCODE_SCROLLLOCK, false, 1000 + KeyBindingState::kTapMs + 1, command);
  EXPECT_FALSE(command);
  // A quick tap still captures (and the clock may wrap).
  keys.on_key(SDL_SCANCODE_SCROLLLOCK, true, 0xFFFFFFF0u, command);
  keys.on_key(SDL_SCANCODE_SCROLLLOCK, false, 0x40u, command);
  EXPECT_EQ(command, Command::toggle_capture);
}

TEST(KeyBindings, EveryBindingHasADistinctKey) {
  const auto& table = key_bindings();
  for (std::size_t i = 0; i < table.size(); ++i) {
    for (std::size_t j = i + 1; j < table.size(); ++j) EXPECT_NE(table[i].key, table[j].key);
  }
}

}  // namespace
}  // namespace kagami::client
