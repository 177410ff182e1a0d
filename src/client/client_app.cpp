#include "client/client_app.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "client/frame_geometry.h"
#include "client/latency_trace.h"
#include "client/layout.h"
#include "client/pointer_map.h"
#include "client/renderer_factory.h"
#include "client/screenshot.h"

namespace kagami::client {

ClientApp::ClientApp(Options options) : options_(std::move(options)) {}

ClientApp::~ClientApp() {
  // The frame thread first (it uploads into the renderer), then the renderer (its ImGui backend
  // needs the ImGui context), then the overlay, then the window.
  intake_.reset();
  input_.reset();
  renderer_.reset();
  overlay_.reset();
  window_.reset();
}

Result<void> ClientApp::start() {
  auto escape = parse_escape_key(options_.escape_key);
  if (!escape) return escape.error();
  keys_.emplace(*escape);
  auto kind = parse_renderer_kind(options_.renderer);
  if (!kind) return kind.error();

  WindowSettings ws;
  ws.title = options_.title;
  ws.width = options_.width;
  ws.height = options_.height;
  ws.x = options_.x;
  ws.y = options_.y;
  ws.fullscreen = options_.fullscreen;
  ws.borderless = options_.borderless;
  RendererSettings rs;
  // Redrawing every refresh only makes sense when the swap waits for the refresh.
  rs.vsync = options_.vsync || options_.present == PresentMode::every_vblank;
  options_.vsync = rs.vsync;
  // The frame thread's wake-up (the snapshot changed) and the renderer's (it needs render() to
  // run, e.g. to give the frame thread a staging slot): one SDL event in flight for both.
  const auto wake = [this] {
    if (wake_pending_.exchange(true)) return;  // one in flight is enough
    SDL_Event e{};
    e.type = wake_event_;
    SDL_PushEvent(&e);
  };
  rs.wake = [this, wake] {
    render_requested_.store(true);
    wake();
  };
  auto choice = create_renderer(*kind, ws, rs);
  if (!choice) return choice.error();
  window_ = std::move(choice->window);
  renderer_ = std::move(choice->renderer);
  renderer_reason_ = choice->reason;
  wake_event_ = SDL_RegisterEvents(1);
  spdlog::info("renderer: {}; {}", renderer_reason_, renderer_->describe());
  overlay_ = std::make_unique<Overlay>(window_->sdl());
  input_ = start_guest_input(options_);
  CommandContext ctx = command_context();
  commands_.start(ctx);  // the options commands change later: rotation, volume, ...
  input_note_ = input_->note();
  if (!input_note_.empty()) spdlog::info("{}", input_note_);

  IntakeSettings is;
  is.shm = options_.shm;
  is.request_activation = options_.request_activation;
  intake_ = std::make_unique<FrameIntake>(is, *renderer_, wake);
  return {};
}

void ClientApp::update_title() {
  // The title says what the window shows: the guest's size while frames flow, else the status
  // (visible in a task bar, and checkable by tests through the X server).
  const bool showing = snap_.connected && image_width_ > 0;
  window_->set_title(showing ? fmt::format("{} - {}x{}", options_.title, image_width_, image_height_)
                             : options_.title + " - " + shown_status_);
}

void ClientApp::update_intake_hidden() {
  // Hidden window or video off (escape key + V): the frame thread keeps taking frames, so the
  // agent never stalls on us, but uploads none; the first one after is uploaded whole.
  intake_->set_hidden(hidden_ || !commands_.video());
}

void ClientApp::handle_event(const SDL_Event& e) {
  if (e.type == wake_event_) {
    wake_pending_.store(false);
    latency_trace::woken();
    return;  // the snapshot is read after the events
  }
  if (e.type == SDL_MOUSEMOTION) latency_trace::motion(e.motion.x, e.motion.y);
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
          update_intake_hidden();
          break;
        case SDL_WINDOWEVENT_SHOWN:
        case SDL_WINDOWEVENT_RESTORED:
        case SDL_WINDOWEVENT_EXPOSED:
        case SDL_WINDOWEVENT_SIZE_CHANGED:
          hidden_ = false;
          update_intake_hidden();
          // The EGL surface takes the new size only once the X server has resized the window,
          // which may be after this event: keep drawing for a moment.
          redraw_.keep_drawing_until(monotonic_ns() + 300'000'000);
          break;
        default:
          break;
      }
      break;
    case SDL_KEYDOWN:
    case SDL_KEYUP: {
      const bool pressed = e.type == SDL_KEYDOWN;
      spdlog::trace("key {} {}", SDL_GetScancodeName(e.key.keysym.scancode), pressed ? "down" : "up");
      std::optional<Command> command;
      const bool was_held = keys_->escape_held();
      if (!keys_->on_key(e.key.keysym.scancode, pressed, e.key.timestamp, command))
        input_->key(e.key.keysym.scancode, pressed);
      if (was_held != keys_->escape_held()) redraw_.changed(3);  // the help shows while it is held
      if (command && !e.key.repeat) run_command(*command);
      break;
    }
    default:
      break;
  }
  if (e.type != SDL_KEYDOWN && e.type != SDL_KEYUP)
    input_->event(e, WindowPointerMap(*window_, *renderer_, layout_));
}

CommandContext ClientApp::command_context() {
  return CommandContext{options_,
                        *window_,
                        *overlay_,
                        *input_,
                        [this] { return renderer_->read_guest_image(); },
                        [this](bool on) { renderer_->set_vsync(on); },
                        image_width_,
                        image_height_,
                        [this](int quarter_turns) { renderer_->set_user_rotation(quarter_turns); },
                        monotonic_ns(),
                        SDL_GetScancodeName(keys_->escape())};
}

void ClientApp::run_command(Command command) {
  redraw_.changed(3);
  CommandContext ctx = command_context();
  commands_.run(command, ctx);
  if (commands_.quit_requested()) running_ = false;
  update_intake_hidden();  // escape key + V
}

void ClientApp::take_snapshot(std::uint64_t now_ns) {
  intake_->snapshot(snap_);
  if (snap_.cursor_image) {
    renderer_->set_cursor(*snap_.cursor_image);
    snap_.cursor_image.reset();
    if (options_.show_cursor) redraw_.cursor_moved();
  }
  timings_.upload_ns += snap_.upload_ns;
  timings_.upload_cpu_ns += snap_.upload_cpu_ns;
  if (snap_.version == seen_version_) return;
  seen_version_ = snap_.version;

  if (snap_.status != shown_status_) {
    shown_status_ = snap_.status;
    update_title();
    redraw_.changed(3);
  }
  if (snap_.warning != shown_warning_ || snap_.connected != shown_connected_) {
    shown_warning_ = snap_.warning;
    shown_connected_ = snap_.connected;
    update_title();  // connected or not changes what the title says, even with the same status
    redraw_.changed(3);
  }
  if (snap_.cursor_moves != seen_cursor_moves_) {
    seen_cursor_moves_ = snap_.cursor_moves;
    if (options_.show_cursor) redraw_.cursor_moved();
  }
  if (snap_.frames != seen_frames_) {
    timings_.frames += snap_.frames - seen_frames_;
    seen_frames_ = snap_.frames;
    frame_pending_stats_ = true;
    redraw_.changed();
  }
  if (snap_.attention_requests != seen_attention_) {
    seen_attention_ = snap_.attention_requests;
    const bool asked = window_->request_attention();
    spdlog::info("the guest asked for attention: {}", asked ? "asked the window manager (urgency hint)"
                                                            : "this window system cannot flag the window");
  }
  if (snap_.block_screensaver != screensaver_blocked_) {
    screensaver_blocked_ = snap_.block_screensaver;
    screensaver_blocked_ ? SDL_DisableScreenSaver() : SDL_EnableScreenSaver();
  }
  (void)now_ns;
}

void ClientApp::check_input_note(std::uint64_t now_ns) {
  if (now_ns < next_note_check_ns_) return;  // the SPICE state changes slowly: twice a second
  next_note_check_ns_ = now_ns + 500'000'000;
  if (std::string note = input_->note(); note != input_note_) {
    spdlog::info("{}", note.empty() ? "input goes to the guest (SPICE connected)" : note);
    input_note_ = std::move(note);
    if (input_note_.empty()) {
      CommandContext ctx = command_context();
      commands_.input_ready(ctx);  // --capture-on-start
    }
    redraw_.changed(3);
  }
}

RedrawPolicy::Inputs ClientApp::redraw_inputs() const {
  RedrawPolicy::Inputs in;
  in.hidden = hidden_;
  in.every_vblank = options_.present == PresentMode::every_vblank;
  in.overlay_redraw_ns = overlay_->redraw_at_ns();
  in.show_stats = options_.show_stats;
  return in;
}

void ClientApp::render(std::uint64_t now_ns) {
  DrawState s;
  renderer_->drawable_size(s.window_width, s.window_height);
  const bool have_image = renderer_->has_frame();
  const FrameGeometry g = renderer_->geometry();
  if (have_image) {
    s.layout = compute_layout(g.image_width(), g.image_height(), s.window_width, s.window_height,
                              options_.scale, options_.upscale, options_.filter);
    if (g.image_width() != image_width_ || g.image_height() != image_height_) {
      image_width_ = g.image_width();
      image_height_ = g.image_height();
      spdlog::info("guest image {}x{} {}", image_width_, image_height_,
                   protocol::frame_type_name(snap_.frame_type));
      update_title();
      if (options_.follow_guest_size) window_->resize_to(image_width_, image_height_);
    }
    s.cursor_visible = options_.show_cursor && snap_.cursor_visible;
    guest_to_window(g, s.layout, snap_.cursor_x, snap_.cursor_y, s.cursor_x, s.cursor_y);
    s.cursor_scale = g.screen_width ? s.layout.scale * g.frame_width / g.screen_width : s.layout.scale;
  }
  layout_ = s.layout;
  // Escape + O hides everything but the help (which shows while the escape key is held).
  const bool overlay_visible =
      (commands_.overlays() && (!snap_.connected || !have_image || !snap_.warning.empty() ||
                                options_.show_stats || overlay_->showing_notice(now_ns))) ||
      keys_->escape_held();
  if (overlay_visible) {
    OverlayState o;
    o.connected = snap_.connected;
    o.have_image = have_image;
    o.status = snap_.status;
    o.warning = snap_.warning;
    o.region = snap_.region;
    o.view_only_note = input_note_;
    o.guest = snap_.connected && snap_.guest ? &*snap_.guest : nullptr;
    o.guest_width = image_width_;
    o.guest_height = image_height_;
    o.frame_type = protocol::frame_type_name(snap_.frame_type);
    o.show_stats = options_.show_stats;
    o.show_help = keys_->escape_held();
    o.help_only = !commands_.overlays();
    o.escape_key_name = SDL_GetScancodeName(keys_->escape());
    o.fps = stats_.fps(now_ns);
    o.rejected_frames = snap_.rejected_frames;
    o.stats = &stats_;
    o.renderer = renderer_reason_ + "; " + renderer_->describe();
    renderer_->begin_overlay_frame();
    s.overlay = overlay_->build(o, now_ns);
  }
  renderer_->render(s);
  const std::uint64_t presented = monotonic_ns();
  timings_.draw_ns += presented - now_ns;
  ++timings_.draws;
  if (presented - timings_.since_ns > 1'000'000'000) {
    if (timings_.draws) {
      const auto per = [](std::uint64_t ns, std::uint64_t n) {
        return n ? static_cast<double>(ns) / 1e6 / static_cast<double>(n) : 0.0;
      };
      spdlog::debug(
          "last second: {} frames, {} draws; per frame: upload {:.2f} ms (CPU copy {:.2f} ms); per draw: "
          "draw + "
          "present {:.2f} ms",
          timings_.frames, timings_.draws, per(timings_.upload_ns, timings_.frames),
          per(timings_.upload_cpu_ns, timings_.frames), per(timings_.draw_ns, timings_.draws));
    }
    timings_ = {};
    timings_.since_ns = presented;
  }
  if (frame_pending_stats_) {
    stats_.on_frame(snap_.frame_received_ns, presented);
    frame_pending_stats_ = false;
  }
  redraw_.drawn(presented, overlay_visible && options_.show_stats);
}

int ClientApp::run() {
  if (auto started = start(); !started) {
    spdlog::error("{}", started.error().message);
    return 1;
  }
  shown_status_ = fmt::format("opening {}", options_.shm);
  update_title();
  while (running_) {
    std::uint64_t now = monotonic_ns();
    // Sleeps until an event (X input, the frame thread's wake-up) or the next redraw deadline.
    SDL_Event e;
    if (SDL_WaitEventTimeout(&e, redraw_.wait_ms(now, redraw_inputs()))) {
      handle_event(e);
      while (running_ && SDL_PollEvent(&e)) handle_event(e);
    }
    if (!running_) break;
    now = monotonic_ns();
    if (render_requested_.exchange(false)) redraw_.changed();
    take_snapshot(now);
    check_input_note(now);
    if (redraw_.needs_redraw(now, redraw_inputs())) render(now);
  }
  return 0;
}

}  // namespace kagami::client
