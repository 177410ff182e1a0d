#include "xtest_input.h"

#include <xcb/xtest.h>

#include <cstdlib>

#include "common/clock.h"

namespace kagami::bench {

Result<std::unique_ptr<XTestInput>> XTestInput::connect(const std::string& display) {
  xcb_connection_t* connection = xcb_connect(display.c_str(), nullptr);
  if (xcb_connection_has_error(connection)) {
    xcb_disconnect(connection);
    return Error{"cannot connect to the X server " + display};
  }
  const xcb_query_extension_reply_t* xtest = xcb_get_extension_data(connection, &xcb_test_id);
  if (xtest == nullptr || !xtest->present) {
    xcb_disconnect(connection);
    return Error{"the X server " + display +
                 " has no XTEST extension (Xvfb has it unless started with -extension XTEST)"};
  }
  const xcb_window_t root = xcb_setup_roots_iterator(xcb_get_setup(connection)).data->root;
  return std::unique_ptr<XTestInput>(new XTestInput(connection, root));
}

XTestInput::~XTestInput() { xcb_disconnect(connection_); }

Result<std::uint8_t> XTestInput::keycode_for(std::uint32_t keysym) {
  const xcb_setup_t* setup = xcb_get_setup(connection_);
  const std::uint8_t first = setup->min_keycode;
  const std::uint8_t count = static_cast<std::uint8_t>(setup->max_keycode - setup->min_keycode + 1);
  xcb_get_keyboard_mapping_reply_t* map = xcb_get_keyboard_mapping_reply(
      connection_, xcb_get_keyboard_mapping(connection_, first, count), nullptr);
  if (map == nullptr) return Error{"GetKeyboardMapping failed"};
  const xcb_keysym_t* syms = xcb_get_keyboard_mapping_keysyms(map);
  const int per_code = map->keysyms_per_keycode;
  std::uint8_t found = 0;
  for (int code = 0; code < count && found == 0; ++code) {
    for (int i = 0; i < per_code; ++i) {
      if (syms[code * per_code + i] == keysym) {
        found = static_cast<std::uint8_t>(first + code);
        break;
      }
    }
  }
  std::free(map);
  if (found == 0) return Error{"no keycode for keysym " + std::to_string(keysym) + " in the X keyboard map"};
  return found;
}

std::uint64_t XTestInput::key(std::uint8_t keycode, bool press) {
  xcb_test_fake_input(connection_, press ? XCB_KEY_PRESS : XCB_KEY_RELEASE, keycode, XCB_CURRENT_TIME,
                      XCB_NONE, 0, 0, 0);
  const std::uint64_t sent = monotonic_ns();
  xcb_flush(connection_);
  return sent;
}

std::uint64_t XTestInput::move_to(int x, int y) {
  // detail 0 = absolute coordinates on `root`.
  xcb_test_fake_input(connection_, XCB_MOTION_NOTIFY, 0, XCB_CURRENT_TIME, root_,
                      static_cast<std::int16_t>(x), static_cast<std::int16_t>(y), 0);
  const std::uint64_t sent = monotonic_ns();
  xcb_flush(connection_);
  return sent;
}

Result<void> XTestInput::sync() {
  xcb_get_input_focus_reply_t* reply =
      xcb_get_input_focus_reply(connection_, xcb_get_input_focus(connection_), nullptr);
  if (reply == nullptr) return Error{"the X server connection broke"};
  std::free(reply);
  return {};
}

}  // namespace kagami::bench
