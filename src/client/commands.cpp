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
      set_captured(!captured_, ctx);
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

void Commands::set_captured(bool on, CommandContext& ctx) {
  if (on) {
    // Grabbing the pointer and keyboard for a guest that gets no input would only trap the user.
    if (std::string why = ctx.input.note(); !why.empty()) {
      spdlog::info("not capturing: {}", why);
      ctx.overlay.notify("not captured: " + why, ctx.now_ns);
      return;
    }
  }
  captured_ = on;
  SDL_SetRelativeMouseMode(on ? SDL_TRUE : SDL_FALSE);
  SDL_SetWindowKeyboardGrab(ctx.window.sdl(), on ? SDL_TRUE : SDL_FALSE);
  ctx.input.set_captured(on);
  spdlog::info("{}", on ? "captured mouse and keyboard" : "released mouse and keyboard");
  ctx.overlay.notify(on ? fmt::format("mouse and keyboard captured (tap {} to release)", ctx.escape_key_name)
                        : std::string("released"),
                     ctx.now_ns);
}

}  // namespace kagami::client
