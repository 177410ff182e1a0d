#include "client/client_display.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "client/frame_geometry.h"
#include "client/latency_trace.h"
#include "client/layout.h"
#include "client/renderer_factory.h"

namespace kagami::client {

ClientDisplay::ClientDisplay(const WindowOptions& window, const DisplayShared& shared,
                             std::uint32_t wake_event)
    : shared_(shared), shm_(window.shm), wake_event_(wake_event) {}

Result<std::unique_ptr<ClientDisplay>> ClientDisplay::open(const WindowOptions& window,
                                                           const DisplayShared& shared,
                                                           std::uint32_t wake_event) {
  std::unique_ptr<ClientDisplay> d(new ClientDisplay(window, shared, wake_event));
  if (auto started = d->start(window); !started) return started.error();
  return d;
}

ClientDisplay::~ClientDisplay() {
  // The frame thread first (it uploads into the renderer), then the renderer (its ImGui backend
  // needs the ImGui context, its GL objects the GL context), then the overlay, then the window.
  intake_.reset();
  if (renderer_) activate();
  renderer_.reset();
  overlay_.reset();
  window_.reset();
}

void ClientDisplay::wake() {
  if (wake_pending_.exchange(true)) return;  // one in flight is enough
  SDL_Event e{};
  e.type = wake_event_;
  e.user.windowID = window_id_.load();
  SDL_PushEvent(&e);
}

Result<void> ClientDisplay::start(const WindowOptions& w) {
  const Options& options = shared_.options;
  auto kind = parse_renderer_kind(options.renderer);
  if (!kind) return kind.error();
  WindowSettings ws;
  ws.title = options.title;
  ws.width = w.width;
  ws.height = w.height;
  ws.x = w.x;
  ws.y = w.y;
  ws.fullscreen = w.fullscreen;
  ws.borderless = options.borderless;
  RendererSettings rs;
  rs.vsync = options.vsync;
  // The frame thread's wake-up (the snapshot changed) and the renderer's (it needs render() to
  // run, e.g. to give the frame thread a staging slot): one SDL event in flight for both.
  rs.wake = [this] {
    render_requested_.store(true);
    wake();
  };
  auto choice = create_renderer(*kind, ws, rs);
  if (!choice) return choice.error();
  window_ = std::move(choice->window);
  renderer_ = std::move(choice->renderer);
  renderer_reason_ = choice->reason;
  // A GLES renderer made its context current when it created it; with several windows each
  // draw must make its own current again (Vulkan has no current context).
  if (window_->graphics() == WindowGraphics::opengl) gl_context_ = SDL_GL_GetCurrentContext();
  window_id_.store(SDL_GetWindowID(window_->sdl()));
  spdlog::info("{}renderer: {}; {}", log_prefix(), renderer_reason_, renderer_->describe());
  overlay_ = std::make_unique<Overlay>(window_->sdl());

  IntakeSettings is;
  is.shm = shm_;
  is.request_activation = options.request_activation;
  intake_ = std::make_unique<FrameIntake>(is, *renderer_, [this] { wake(); });
  shown_status_ = fmt::format("opening {}", shm_);
  update_title();
  return {};
}

std::string ClientDisplay::log_prefix() const { return shared_.several ? shm_ + ": " : ""; }

void ClientDisplay::activate() {
  if (gl_context_) SDL_GL_MakeCurrent(window_->sdl(), gl_context_);  // a no-op when already current
  overlay_->activate();
}

void ClientDisplay::update_title() {
  // The title says what the window shows: the guest's size while frames flow, else the status
  // (visible in a task bar, and checkable by tests through the X server). With several windows
  // the output's name tells them apart.
  const std::string& title = shared_.options.title;
  const std::string name = snap_.guest && snap_.guest->output && snap_.guest->output->count > 1
                               ? " " + snap_.guest->output->name
                               : "";
  const bool showing = snap_.connected && image_width_ > 0;
  window_->set_title(showing ? fmt::format("{}{} - {}x{}", title, name, image_width_, image_height_)
                             : title + name + " - " + shown_status_);
}

void ClientDisplay::update_intake_hidden() {
  // Hidden window or video off (escape key + V): the frame thread keeps taking frames, so the
  // agent never stalls on us, but uploads none; the first one after is uploaded whole.
  intake_->set_hidden(hidden_ || !shared_.commands.video());
}

void ClientDisplay::handle_event(const SDL_Event& e) {
  if (e.type == wake_event_) {
    wake_pending_.store(false);
    latency_trace::woken();
    return;  // the snapshot is read after the events
  }
  overlay_->process_event(e);
  if (e.type != SDL_WINDOWEVENT) return;
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
}

CommandContext ClientDisplay::command_context(GuestInput& input, std::uint64_t now_ns) {
  activate();
  return CommandContext{shared_.options,
                        *window_,
                        *overlay_,
                        input,
                        [this] {
                          activate();
                          return renderer_->read_guest_image();
                        },
                        [this](bool on) {
                          activate();
                          renderer_->set_vsync(on);
                        },
                        image_width_,
                        image_height_,
                        [this](int quarter_turns) { set_user_rotation(quarter_turns); },
                        now_ns,
                        SDL_GetScancodeName(shared_.keys.escape())};
}

void ClientDisplay::set_user_rotation(int quarter_turns) {
  activate();
  renderer_->set_user_rotation(quarter_turns);
}

WindowPointerMap ClientDisplay::pointer_map() {
  activate();  // the map asks the renderer for its frame and drawable
  // The offset is read at each event from the snapshot: an agent restarted with another layout
  // sends a new record, and the next position uses it.
  return WindowPointerMap(*window_, *renderer_, layout_,
                          desktop_offset(snap_.guest ? snap_.guest->output : std::nullopt));
}

void ClientDisplay::take_snapshot(std::uint64_t now_ns) {
  activate();
  if (render_requested_.exchange(false)) redraw_.changed();
  intake_->snapshot(snap_);
  if (snap_.cursor_image) {
    renderer_->set_cursor(*snap_.cursor_image);
    snap_.cursor_image.reset();
    if (shared_.options.show_cursor) redraw_.cursor_moved();
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
    if (shared_.options.show_cursor) redraw_.cursor_moved();
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
  screensaver_blocked_ = snap_.block_screensaver;
  (void)now_ns;
}

RedrawPolicy::Inputs ClientDisplay::redraw_inputs() const {
  RedrawPolicy::Inputs in;
  in.hidden = hidden_;
  in.every_vblank = shared_.options.present == PresentMode::every_vblank;
  in.overlay_redraw_ns = overlay_->redraw_at_ns();
  in.show_stats = shared_.options.show_stats;
  return in;
}

int ClientDisplay::wait_ms(std::uint64_t now_ns) const { return redraw_.wait_ms(now_ns, redraw_inputs()); }

void ClientDisplay::render_if_needed(std::uint64_t now_ns) {
  if (redraw_.needs_redraw(now_ns, redraw_inputs())) render(now_ns);
}

void ClientDisplay::render(std::uint64_t now_ns) {
  activate();
  const Options& options = shared_.options;
  DrawState s;
  renderer_->drawable_size(s.window_width, s.window_height);
  const bool have_image = renderer_->has_frame();
  const FrameGeometry g = renderer_->geometry();
  if (have_image) {
    s.layout = compute_layout(g.image_width(), g.image_height(), s.window_width, s.window_height,
                              options.scale, options.upscale, options.filter);
    if (g.image_width() != image_width_ || g.image_height() != image_height_) {
      image_width_ = g.image_width();
      image_height_ = g.image_height();
      spdlog::info("{}guest image {}x{} {}", log_prefix(), image_width_, image_height_,
                   protocol::frame_type_name(snap_.frame_type));
      update_title();
      if (options.follow_guest_size) window_->resize_to(image_width_, image_height_);
    }
    s.cursor_visible = options.show_cursor && snap_.cursor_visible;
    guest_to_window(g, s.layout, snap_.cursor_x, snap_.cursor_y, s.cursor_x, s.cursor_y);
    s.cursor_scale = g.screen_width ? s.layout.scale * g.frame_width / g.screen_width : s.layout.scale;
  }
  layout_ = s.layout;
  const Commands& commands = shared_.commands;
  const KeyBindingState& keys = shared_.keys;
  // Escape + O hides everything but the help (which shows while the escape key is held).
  const bool overlay_visible =
      (commands.overlays() && (!snap_.connected || !have_image || !snap_.warning.empty() ||
                               options.show_stats || overlay_->showing_notice(now_ns))) ||
      keys.escape_held();
  if (overlay_visible) {
    OverlayState o;
    o.connected = snap_.connected;
    o.have_image = have_image;
    o.status = snap_.status;
    o.warning = snap_.warning;
    o.region = snap_.region;
    o.view_only_note = shared_.input_note;
    o.guest = snap_.connected && snap_.guest ? &*snap_.guest : nullptr;
    o.guest_width = image_width_;
    o.guest_height = image_height_;
    o.frame_type = protocol::frame_type_name(snap_.frame_type);
    o.show_stats = options.show_stats;
    o.show_help = keys.escape_held();
    o.help_only = !commands.overlays();
    o.escape_key_name = SDL_GetScancodeName(keys.escape());
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
          "{}last second: {} frames, {} draws; per frame: upload {:.2f} ms (CPU copy {:.2f} ms); per draw: "
          "draw + "
          "present {:.2f} ms",
          log_prefix(), timings_.frames, timings_.draws, per(timings_.upload_ns, timings_.frames),
          per(timings_.upload_cpu_ns, timings_.frames), per(timings_.draw_ns, timings_.draws));
    }
    timings_ = {};
    timings_.since_ns = presented;
  }
  if (frame_pending_stats_) {
    stats_.on_frame(snap_.frame_received_ns, presented);
    frame_pending_stats_ = false;
  }
  redraw_.drawn(presented, overlay_visible && options.show_stats);
}

}  // namespace kagami::client
