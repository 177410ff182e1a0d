#include "client/client_app.h"

#include <GLES3/gl3.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "client/cursor_image.h"
#include "client/layout.h"
#include "client/pointer_map.h"
#include "client/screenshot.h"

namespace kagami::client {
namespace {

constexpr std::uint64_t kRegionRetryNs = 1'000'000'000;
constexpr std::uint64_t kStallTimeoutMs = 500;  // a write pointer that stops: show what arrived
constexpr std::uint64_t kDisconnectedSleepNs = 10'000'000;
constexpr std::uint64_t kEventPeriodNs = 4'000'000;
constexpr std::uint64_t kCursorRedrawNs = 4'000'000;

}  // namespace

ClientApp::ClientApp(Options options) : options_(std::move(options)) {}

ClientApp::~ClientApp() {
  // GL objects go before the context (the window owns it).
  overlay_.reset();
  cursor_.reset();
  renderer_.reset();
  window_.reset();
}

Result<void> ClientApp::start() {
  auto escape = parse_escape_key(options_.escape_key);
  if (!escape) return escape.error();
  keys_.emplace(*escape);

  WindowSettings ws;
  ws.title = options_.title;
  ws.width = options_.width;
  ws.height = options_.height;
  ws.x = options_.x;
  ws.y = options_.y;
  ws.fullscreen = options_.fullscreen;
  ws.borderless = options_.borderless;
  // Redrawing every refresh only makes sense when the swap waits for the refresh.
  ws.vsync = options_.vsync || options_.present == PresentMode::every_vblank;
  auto window = Window::create(ws);
  if (!window) return window.error();
  window_ = std::move(*window);
  auto renderer = FrameRenderer::create();
  if (!renderer) return renderer.error();
  renderer_ = std::move(*renderer);
  auto cursor = CursorRenderer::create();
  if (!cursor) return cursor.error();
  cursor_ = std::move(*cursor);
  overlay_ = std::make_unique<Overlay>(window_->sdl(), window_->gl_context());
  glGetIntegerv(GL_MAX_TEXTURE_SIZE, &max_texture_size_);
  spdlog::info("GL: {} / {}", reinterpret_cast<const char*>(glGetString(GL_RENDERER)),
               reinterpret_cast<const char*>(glGetString(GL_VERSION)));
  input_ = start_guest_input(options_);
  CommandContext ctx = command_context();
  commands_.start(ctx);  // the options commands change later: rotation, volume, ...
  input_note_ = input_->note();
  if (!input_note_.empty()) spdlog::info("{}", input_note_);
  return {};
}

void ClientApp::set_status(const std::string& status) {
  if (status == status_) return;
  spdlog::info("status: {}", status);
  status_ = status;
  update_title();
  dirty_ = true;
  settle_frames_ = 3;
}

void ClientApp::update_title() {
  // The title says what the window shows: the guest's size while frames flow, else the status
  // (visible in a task bar, and checkable by tests through the X server).
  if (!window_) return;
  const bool showing = session_ && session_->connected() && image_width_ > 0;
  window_->set_title(showing ? fmt::format("{} - {}x{}", options_.title, image_width_, image_height_)
                             : options_.title + " - " + status_);
}

void ClientApp::try_open_region(std::uint64_t now_ns) {
  if (region_ || now_ns < next_region_attempt_ns_) return;
  next_region_attempt_ns_ = now_ns + kRegionRetryNs;
  auto region = shm::open_region(options_.shm);
  if (!region) {
    set_status(fmt::format("no region at {}: {}. Waiting for it (start the VM, or run kagami-setup).",
                           options_.shm, region.error().message));
    return;
  }
  // The LGMP header, the KVMFR user data, the queues and one small frame need at least this much.
  constexpr std::size_t kMinimumRegion = 2 * 1024 * 1024;
  const std::size_t size = (*region)->bytes().size();
  if (size < kMinimumRegion) {
    set_status(
        fmt::format("region too small: {} is {} KiB; at least 2 MiB are needed, 32 MiB for 1920x1080 "
                    "(kagami-setup size 1920x1080)",
                    (*region)->describe(), size / 1024));
    return;
  }
  region_ = std::move(*region);
  spdlog::info("region: {}", region_->describe());
  session_ = std::make_unique<protocol::KvmfrSession>(region_->bytes(), clock_, random_);
}

void ClientApp::handle_events() {
  SDL_Event e;
  while (SDL_PollEvent(&e)) {
    overlay_->process_event(e);
    switch (e.type) {
      case SDL_QUIT:
        running_ = false;
        break;
      case SDL_WINDOWEVENT:
        switch (e.window.event) {
          case SDL_WINDOWEVENT_HIDDEN:
          case SDL_WINDOWEVENT_MINIMIZED:
            hidden_ = true;
            break;
          case SDL_WINDOWEVENT_SHOWN:
          case SDL_WINDOWEVENT_RESTORED:
          case SDL_WINDOWEVENT_EXPOSED:
          case SDL_WINDOWEVENT_SIZE_CHANGED:
            hidden_ = false;
            dirty_ = true;
            // The EGL surface takes the new size only once the X server has resized the window,
            // which may be after this event: keep drawing for a moment.
            redraw_until_ns_ = monotonic_ns() + 300'000'000;
            break;
          default:
            break;
        }
        break;
      case SDL_KEYDOWN:
      case SDL_KEYUP: {
        const bool pressed = e.type == SDL_KEYDOWN;
        spdlog::trace("key {} {}", SDL_GetScancodeName(e.key.keysym.scancode),
                      e.type == SDL_KEYDOWN ? "down" : "up");
        std::optional<Command> command;
        const bool was_held = keys_->escape_held();
        if (!keys_->on_key(e.key.keysym.scancode, pressed, e.key.timestamp, command))
          input_->key(e.key.keysym.scancode, pressed);
        if (was_held != keys_->escape_held()) {  // the help shows while it is held
          dirty_ = true;
          settle_frames_ = 3;
        }
        if (command && !e.key.repeat) run_command(*command);
        break;
      }
      default:
        break;
    }
    if (e.type != SDL_KEYDOWN && e.type != SDL_KEYUP)
      input_->event(e, WindowPointerMap(*window_, *renderer_, layout_));
  }
}

CommandContext ClientApp::command_context() {
  return CommandContext{
      options_,
      *window_,
      *overlay_,
      *input_,
      [this](std::uint32_t& w, std::uint32_t& h) { return capture_guest_image(*renderer_, w, h); },
      image_width_,
      image_height_,
      [this](int quarter_turns) { renderer_->set_user_rotation(quarter_turns); },
      monotonic_ns(),
      SDL_GetScancodeName(keys_->escape())};
}

void ClientApp::run_command(Command command) {
  dirty_ = true;
  settle_frames_ = 3;
  CommandContext ctx = command_context();
  commands_.run(command, ctx);
  if (commands_.quit_requested()) running_ = false;
}

void ClientApp::poll_session() {
  const protocol::SessionStatus& status = session_->poll();
  set_status(status.message);
  if (status.state != last_state_) {
    last_state_ = status.state;
    dirty_ = true;
    update_title();  // connected or not changes what the title says, even with the same message
  }
  if (session_->counters().resubscribes != last_resubscribes_) {
    last_resubscribes_ = session_->counters().resubscribes;
    need_full_upload_ = true;  // frames were missed while we were out
    spdlog::warn("the agent evicted this client after a stall (queue timeout); subscribed again");
  }
  if (session_->counters().sessions != last_sessions_) {
    // A new agent session: its frames say nothing about what we hold.
    last_sessions_ = session_->counters().sessions;
    need_full_upload_ = true;
    have_serial_ = false;
  }
}

void ClientApp::take_cursor_updates() {
  for (int i = 0; i < 64; ++i) {  // bounded: a flood of cursor messages must not starve frames
    auto update = session_->receive_cursor();
    if (!update) {
      spdlog::debug("cursor update rejected: {}", update.error().message);
      continue;
    }
    if (!update->has_value()) return;
    const protocol::CursorUpdate& u = **update;
    if (u.has_position) {
      cursor_x_ = u.x;
      cursor_y_ = u.y;
    }
    cursor_visible_ = u.visible;
    if (u.shape) {
      auto image = make_cursor_image(*u.shape);
      if (image)
        cursor_->set_image(*image);
      else
        spdlog::warn("{}", image.error().message);
    }
    if (options_.show_cursor) cursor_moved_ = true;
  }
}

void ClientApp::take_frame() {
  auto received = session_->receive_frame();
  const std::uint64_t now = monotonic_ns();
  if (!received) {
    need_full_upload_ = true;
    // A hostile agent can send thousands a second: one line a second, with the count.
    ++rejected_since_log_;
    if (now - last_error_log_ns_ > 1'000'000'000) {
      spdlog::warn("frame rejected: {}{}", received.error().message,
                   rejected_since_log_ > 1
                       ? fmt::format(" ({} rejected in the last second)", rejected_since_log_)
                       : "");
      last_error_log_ns_ = now;
      rejected_since_log_ = 0;
    }
    return;
  }
  if (!received->has_value()) return;
  const protocol::ValidatedFrame& frame = **received;
  frame_received_ns_ = now;
  idle_.activity(now);

  const bool missed = !have_serial_ || frame.frame_serial != last_serial_ + 1;
  have_serial_ = true;
  last_serial_ = frame.frame_serial;
  if (hidden_ || !commands_.video()) {
    // Nobody sees it (or the user turned video off); keep consuming so the agent does not evict
    // us, and catch up when shown.
    need_full_upload_ = true;
    session_->frame_done();
    return;
  }
  const std::uint32_t needed_texels =
      std::max({frame.data_width, frame.frame_width, frame.data_height, frame.frame_height});
  if (needed_texels > static_cast<std::uint32_t>(max_texture_size_)) {
    session_->frame_done();
    const std::string why = fmt::format(
        "the guest's {}x{} frame is larger than this GPU's texture limit ({}); lower "
        "the guest resolution",
        frame.frame_width, frame.frame_height, max_texture_size_);
    if (why != warning_) spdlog::error("{}", why);
    warning_ = why;
    dirty_ = true;
    return;
  }
  const std::span<std::byte> region = session_->region();
  const std::byte* pixels = region.data() + frame.pixels_offset;
  const std::uint64_t upload_start = monotonic_ns();
  const UploadStats stats =
      renderer_->upload(frame, pixels, need_full_upload_ || missed, [&](std::uint64_t bytes) {
        return protocol::wait_frame_bytes(region, frame, bytes, clock_, kStallTimeoutMs);
      });
  const std::uint32_t flags = frame.flags;
  const std::uint32_t frame_w = frame.frame_width, frame_h = frame.frame_height;
  frame_type_ = frame.type;
  session_->frame_done();  // the GL copied the pixels: the agent may reuse the buffer
  timings_.upload_ns += monotonic_ns() - upload_start;
  need_full_upload_ = false;
  if (stats.stalled) spdlog::debug("the agent's write pointer stalled; showing the rows that arrived");

  const auto& g = renderer_->geometry();
  if (g.image_width() != image_width_ || g.image_height() != image_height_) {
    image_width_ = g.image_width();
    image_height_ = g.image_height();
    spdlog::info("guest image {}x{} {}", image_width_, image_height_, protocol::frame_type_name(frame_type_));
    update_title();
    if (options_.follow_guest_size) window_->resize_to(image_width_, image_height_);
  }
  std::string warning;
  if (flags & protocol::kFrameFlagTruncated) {
    warning = fmt::format(
        "region too small for {}x{}: the agent cut the frame; {} MiB needed (kagami-setup size {}x{})",
        frame_w, frame_h,
        protocol::recommended_region_size(frame_w, frame_h, flags & protocol::kFrameFlagHdr) >> 20, frame_w,
        frame_h);
  }
  if (warning != warning_) {
    if (!warning.empty()) spdlog::warn("{}", warning);
    warning_ = std::move(warning);
    settle_frames_ = 3;
  }
  if (flags & protocol::kFrameFlagRequestActivation) SDL_RaiseWindow(window_->sdl());
  const bool block = flags & protocol::kFrameFlagBlockScreensaver;
  if (block != screensaver_blocked_) {
    block ? SDL_DisableScreenSaver() : SDL_EnableScreenSaver();
    screensaver_blocked_ = block;
  }
  frame_pending_stats_ = true;
  dirty_ = true;
}

bool ClientApp::needs_redraw(std::uint64_t now_ns) const {
  if (hidden_) return false;
  if (options_.present == PresentMode::every_vblank) return true;
  if (dirty_ || settle_frames_ > 0 || now_ns < redraw_until_ns_ || overlay_->animating(now_ns)) return true;
  // A moving pointer alone redraws at most every 4 ms: a 1000 Hz mouse must not mean 1000 full
  // redraws a second (a new frame carries the latest position anyway).
  if (cursor_moved_ && now_ns - last_present_ns_ >= kCursorRedrawNs) return true;
  // The statistics keep moving (fps, graphs) even without frames: 10 times a second is enough.
  return options_.show_stats && now_ns - last_stats_draw_ns_ > 100'000'000;
}

void ClientApp::render(std::uint64_t now_ns) {
  int w = 0, h = 0;
  window_->drawable_size(w, h);
  glBindFramebuffer(GL_FRAMEBUFFER, 0);
  glViewport(0, 0, w, h);
  const bool have_image = renderer_->has_frame();
  Layout layout;
  if (have_image) {
    const auto& g = renderer_->geometry();
    layout = compute_layout(g.image_width(), g.image_height(), w, h, options_.scale, options_.upscale,
                            options_.filter);
  }
  layout_ = layout;
  // Clearing is a full pass over the window: only needed where the image leaves bars.
  if (layout.dest.x > 0 || layout.dest.y > 0 || layout.dest.width < w || layout.dest.height < h) {
    glClearColor(0.0f, 0.0f, 0.0f, 1.0f);
    glClear(GL_COLOR_BUFFER_BIT);
  }
  if (have_image) {
    const auto& g = renderer_->geometry();
    renderer_->draw(layout, w, h);
    if (options_.show_cursor && cursor_visible_ && cursor_->has_image()) {
      double wx = 0, wy = 0;
      guest_to_window(g, layout, cursor_x_, cursor_y_, wx, wy);
      const double scale = g.screen_width ? layout.scale * g.frame_width / g.screen_width : layout.scale;
      cursor_->draw(wx, wy, scale, w, h);
    }
  }
  const bool connected = session_ && session_->connected();
  // Escape + O hides everything but the help (which shows while the escape key is held).
  const bool overlay_visible =
      (commands_.overlays() && (!connected || !have_image || !warning_.empty() || options_.show_stats ||
                                overlay_->animating(now_ns))) ||
      keys_->escape_held();
  if (overlay_visible) {
    OverlayState s;
    s.connected = connected;
    s.have_image = have_image;
    s.status = status_;
    s.warning = warning_;
    s.region = region_ ? region_->describe() : "";
    s.view_only_note = input_note_;
    s.guest = session_ && connected ? &session_->guest() : nullptr;
    s.guest_width = image_width_;
    s.guest_height = image_height_;
    s.frame_type = protocol::frame_type_name(frame_type_);
    s.show_stats = options_.show_stats;
    s.show_help = keys_->escape_held();
    s.help_only = !commands_.overlays();
    s.escape_key_name = SDL_GetScancodeName(keys_->escape());
    s.fps = stats_.fps(now_ns);
    s.rejected_frames = session_ ? session_->counters().rejected_frames : 0;
    s.stats = &stats_;
    overlay_->draw(s, now_ns);
    last_stats_draw_ns_ = now_ns;
  }
  const std::uint64_t present_start = monotonic_ns();
  window_->present();
  const std::uint64_t presented = monotonic_ns();
  timings_.draw_ns += present_start - now_ns;
  timings_.present_ns += presented - present_start;
  ++timings_.draws;
  if (frame_pending_stats_) ++timings_.frames;
  if (presented - timings_.since_ns > 1'000'000'000) {
    if (timings_.draws) {
      const auto per_draw_ms = [&](std::uint64_t ns) {
        return static_cast<double>(ns) / 1e6 / static_cast<double>(timings_.draws);
      };
      spdlog::debug(
          "last second: {} frames, {} draws; per draw: upload {:.2f} ms, draw {:.2f} ms, present {:.2f} ms",
          timings_.frames, timings_.draws, per_draw_ms(timings_.upload_ns), per_draw_ms(timings_.draw_ns),
          per_draw_ms(timings_.present_ns));
    }
    timings_ = {};
    timings_.since_ns = presented;
  }
  if (frame_pending_stats_) {
    stats_.on_frame(frame_received_ns_, monotonic_ns());
    frame_pending_stats_ = false;
  }
  dirty_ = false;
  cursor_moved_ = false;
  last_present_ns_ = presented;
  if (settle_frames_ > 0) --settle_frames_;
}

int ClientApp::run() {
  if (auto started = start(); !started) {
    spdlog::error("{}", started.error().message);
    return 1;
  }
  set_status(fmt::format("opening {}", options_.shm));
  std::uint64_t last_events_ns = 0;
  while (running_) {
    std::uint64_t now = monotonic_ns();
    // Pumping SDL's events is the dearest part of an idle iteration (X11 round trips): every 4 ms
    // is quick for a person and keeps the 1 ms frame polling cheap.
    if (now - last_events_ns >= kEventPeriodNs || dirty_) {
      handle_events();
      last_events_ns = now;
    }
    try_open_region(now);
    if (now >= next_note_check_ns_) {  // the SPICE state changes slowly: twice a second is enough
      next_note_check_ns_ = now + 500'000'000;
      if (std::string note = input_->note(); note != input_note_) {
        spdlog::info("{}", note.empty() ? "input goes to the guest (SPICE connected)" : note);
        input_note_ = std::move(note);
        if (input_note_.empty()) {
          CommandContext ctx = command_context();
          commands_.input_ready(ctx);  // --capture-on-start
        }
        dirty_ = true;
        settle_frames_ = 3;
      }
    }
    if (session_) {
      poll_session();
      if (session_->connected()) {
        take_cursor_updates();
        take_frame();
      }
    }
    now = monotonic_ns();
    if (needs_redraw(now)) {
      render(now);
      continue;
    }
    // 1 ms slices while frames flow; after a quiet second 2 ms (the first frame after a pause
    // waits up to 2 ms, idle costs half the wake-ups); 10 ms while there is no agent.
    const bool connected = session_ && session_->connected();
    const bool quiet = now - frame_received_ns_ > 1'000'000'000;
    idle_.set_sleep_ns(!connected ? kDisconnectedSleepNs : quiet ? 2'000'000 : 1'000'000);
    idle_.wait(monotonic_ns());
  }
  return 0;
}

}  // namespace kagami::client
