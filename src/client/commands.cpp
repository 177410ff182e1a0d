#include "client/commands.h"

#include <SDL2/SDL.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "client/screenshot.h"

namespace kagami::client {

void Commands::run(Command command, CommandContext& ctx) {
  const std::uint64_t now = ctx.now_ns;
  switch (command) {
    case Command::toggle_capture:
      captured_ = !captured_;
      SDL_SetRelativeMouseMode(captured_ ? SDL_TRUE : SDL_FALSE);
      SDL_SetWindowKeyboardGrab(ctx.window.sdl(), captured_ ? SDL_TRUE : SDL_FALSE);
      ctx.input.set_captured(captured_);
      ctx.overlay.notify(
          captured_ ? "mouse and keyboard captured (tap the escape key to release)" : "released", now);
      break;
    case Command::toggle_fullscreen:
      ctx.window.set_fullscreen(!ctx.window.fullscreen());
      break;
    case Command::toggle_stats:
      ctx.options.show_stats = !ctx.options.show_stats;
      break;
    case Command::toggle_help:
      break;  // shown while the escape key is held
    case Command::screenshot: {
      std::uint32_t w = 0, h = 0;
      auto rgb = ctx.read_guest_image(w, h);
      const std::string path = screenshot_path(ctx.options.screenshot_dir);
      Result<void> written = rgb ? write_png(path, w, h, *rgb) : Result<void>(rgb.error());
      if (written) {
        spdlog::info("screenshot: {} ({}x{})", path, w, h);
        ctx.overlay.notify("screenshot saved to " + path, now);
      } else {
        spdlog::warn("screenshot failed: {}", written.error().message);
        ctx.overlay.notify("screenshot failed: " + written.error().message, now);
      }
      break;
    }
    case Command::resize_to_guest:
      if (ctx.image_width) ctx.window.resize_to(ctx.image_width, ctx.image_height);
      break;
    case Command::toggle_vsync:
      ctx.window.set_vsync(!ctx.window.vsync());
      ctx.overlay.notify(ctx.window.vsync() ? "vsync on" : "vsync off", now);
      break;
    case Command::toggle_cursor:
      ctx.options.show_cursor = !ctx.options.show_cursor;
      break;
    case Command::cycle_filter: {
      const int next = (static_cast<int>(ctx.options.filter) + 1) % 4;
      ctx.options.filter = static_cast<FilterMode>(next);
      ctx.overlay.notify(fmt::format("filter: {}", to_string(ctx.options.filter)), now);
      break;
    }
    case Command::quit:
      quit_ = true;
      break;
  }
}

}  // namespace kagami::client
