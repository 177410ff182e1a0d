#include "client/commands.h"

#include <SDL2/SDL.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "client/screenshot.h"

namespace kagami::client {

namespace {

const char* on_off(bool on) { return on ? "on" : "off"; }

}  // namespace

void Commands::start(CommandContext& ctx) {
  const Options& o = ctx.options;
  rotation_ = o.rotate / 90;
  if (ctx.set_rotation) ctx.set_rotation(rotation_);
  input_ = o.input;
  ctx.input.set_input_enabled(input_);
  sensitivity_ = o.mouse_sensitivity;
  ctx.input.set_mouse_sensitivity(sensitivity_);
  volume_ = static_cast<int>(o.volume);
  ctx.input.set_volume(static_cast<unsigned>(volume_));
  microphone_ = o.microphone;
  // Relative mode (capture) on X11 reads raw device motion; "1" applies the desktop's acceleration.
  SDL_SetHint(SDL_HINT_MOUSE_RELATIVE_SYSTEM_SCALE, o.raw_mouse ? "0" : "1");
  capture_pending_ = o.capture_on_start;
  if (capture_pending_ && ctx.input.note().empty()) input_ready(ctx);
}

void Commands::input_ready(CommandContext& ctx) {
  if (!capture_pending_) return;
  capture_pending_ = false;
  if (!captured_) set_captured(true, ctx);
}

void Commands::set_volume(int percent, CommandContext& ctx) {
  volume_ = std::clamp(percent, 0, 100);
  ctx.input.set_volume(static_cast<unsigned>(volume_));
  spdlog::info("volume {}%", volume_);
  ctx.overlay.notify(fmt::format("volume {}%{}", volume_, muted_ ? " (muted)" : ""), ctx.now_ns);
}

void Commands::run(Command command, CommandContext& ctx) {
  const std::uint64_t now = ctx.now_ns;
  if (command >= Command::send_ctrl_alt_f1 && command <= Command::send_ctrl_alt_f12) {
    const int n = static_cast<int>(command) - static_cast<int>(Command::send_ctrl_alt_f1);
    const auto fn = static_cast<SDL_Scancode>(SDL_SCANCODE_F1 + n);
    ctx.input.send_combo({SDL_SCANCODE_LCTRL, SDL_SCANCODE_LALT, fn});
    spdlog::info("sent Ctrl+Alt+F{} to the guest", n + 1);
    ctx.overlay.notify(fmt::format("Ctrl+Alt+F{} sent to the guest", n + 1), now);
    return;
  }
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
    case Command::toggle_video:
      video_ = !video_;
      spdlog::info("video {}", on_off(video_));
      ctx.overlay.notify(video_ ? "video on" : "video off: the guest's frames are not shown", now);
      break;
    case Command::rotate:
      rotation_ = (rotation_ + 1) % 4;
      if (ctx.set_rotation) ctx.set_rotation(rotation_);
      spdlog::info("rotation {} degrees", rotation_ * 90);
      ctx.overlay.notify(fmt::format("rotation {} degrees", rotation_ * 90), now);
      break;
    case Command::toggle_overlay:
      overlays_ = !overlays_;
      spdlog::info("overlays {}", on_off(overlays_));
      ctx.overlay.notify(overlays_ ? "overlays on" : "overlays off", now);
      break;
    case Command::toggle_input:
      input_ = !input_;
      if (!input_ && captured_) set_captured(false, ctx);
      ctx.input.set_input_enabled(input_);
      spdlog::info("keyboard and mouse to the guest: {}", on_off(input_));
      ctx.overlay.notify(fmt::format("keyboard and mouse to the guest: {}", on_off(input_)), now);
      break;
    case Command::sensitivity_up:
    case Command::sensitivity_down:
      sensitivity_ = std::clamp(sensitivity_ + (command == Command::sensitivity_up ? 1 : -1), -9, 9);
      ctx.input.set_mouse_sensitivity(sensitivity_);
      spdlog::info("mouse sensitivity {}", sensitivity_);
      ctx.overlay.notify(fmt::format("mouse sensitivity {} (capture mode)", sensitivity_), now);
      break;
    case Command::volume_up:
      set_volume(volume_ + 5, ctx);
      break;
    case Command::volume_down:
      set_volume(volume_ - 5, ctx);
      break;
    case Command::toggle_mute:
      muted_ = !muted_;
      ctx.input.set_mute(muted_);
      spdlog::info("mute {}", on_off(muted_));
      ctx.overlay.notify(muted_ ? "muted" : fmt::format("unmuted (volume {}%)", volume_), now);
      break;
    case Command::toggle_microphone:
      microphone_ = !microphone_;
      ctx.input.set_microphone(microphone_);
      spdlog::info("microphone {}", on_off(microphone_));
      ctx.overlay.notify(fmt::format("microphone {}", on_off(microphone_)), now);
      break;
    case Command::send_left_gui:
    case Command::send_right_gui:
      ctx.input.send_combo({command == Command::send_left_gui ? SDL_SCANCODE_LGUI : SDL_SCANCODE_RGUI});
      spdlog::info("sent the Windows key to the guest");
      break;
    case Command::send_ctrl_alt_del:
      ctx.input.send_combo({SDL_SCANCODE_LCTRL, SDL_SCANCODE_LALT, SDL_SCANCODE_DELETE});
      spdlog::info("sent Ctrl+Alt+Del to the guest");
      ctx.overlay.notify("Ctrl+Alt+Del sent to the guest", now);
      break;
    case Command::send_ctrl_alt_f1:
    case Command::send_ctrl_alt_f12:
      break;  // handled above with the ones between
    case Command::screenshot: {
      auto image = ctx.read_guest_image();
      const std::string path = screenshot_path(ctx.options.screenshot_dir);
      Result<void> written =
          image ? write_png(path, image->width, image->height, image->rgb) : Result<void>(image.error());
      if (written) {
        spdlog::info("screenshot: {} ({}x{})", path, image->width, image->height);
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
      ctx.options.vsync = !ctx.options.vsync;
      ctx.set_vsync(ctx.options.vsync);
      ctx.overlay.notify(ctx.options.vsync ? "vsync on" : "vsync off", now);
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
