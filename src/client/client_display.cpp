#include "client/client_display.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <utility>

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
  // The draw thread first (it reads the intake's snapshot and draws with the renderer; it releases
  // the GL context when it ends). Then the frame thread (it uploads into the renderer; a wait of
  // its for the draw thread is bounded, renderer.h). Then the renderer, with its GL context
  // current here again and the ImGui lock held (its ImGui backend shuts down in the overlay's
  // context), the overlay (ImGui context), the window.
  if (draw_thread_.joinable()) {
    draw_thread_.request_stop();
    draw_thread_.join();
  }
  intake_.reset();
  if (renderer_) {
    renderer_->attach_render_thread();
    std::unique_lock imgui = overlay_ ? overlay_->lock() : std::unique_lock<std::mutex>();
    renderer_.reset();
  }
  overlay_.reset();
  window_.reset();
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
  // The renderer's wake-up: it needs render() to run (e.g. to give the frame thread a staging slot).
  rs.wake = [this] {
    render_requested_.store(true);
    wake_draw(true);
  };
  auto choice = create_renderer(*kind, ws, rs);
  if (!choice) return choice.error();
  window_ = std::move(choice->window);
  renderer_ = std::move(choice->renderer);
  renderer_reason_ = choice->reason;
  // A GLES renderer made its context current here when it created it: released, so that the
  // draw thread can make it current there (a context is current on one thread at a time).
  renderer_->detach_render_thread();
  window_id_.store(SDL_GetWindowID(window_->sdl()));
  spdlog::info("{}renderer: {}; {}", log_prefix(), renderer_reason_, renderer_->describe());
  overlay_ = std::make_unique<Overlay>();

  IntakeSettings is;
  is.shm = shm_;
  is.request_activation = options.request_activation;
  intake_ = std::make_unique<FrameIntake>(is, *renderer_, [this] { wake_draw(true); });
  shown_status_ = fmt::format("opening {}", shm_);
  update_title();
  window_->set_title(*new_title_);
  new_title_.reset();
  view_ = sent_view_ = current_view();
  draw_thread_ = std::jthread([this](std::stop_token stop) { draw_loop(stop); });
  return {};
}

std::string ClientDisplay::log_prefix() const { return shared_.several ? shm_ + ": " : ""; }

// ---- event thread ----

ViewState ClientDisplay::current_view() const {
  const Options& o = shared_.options;
  ViewState v;
  v.hidden = hidden_;
  v.escape_held = shared_.keys.escape_held();
  v.overlays = shared_.commands.overlays();
  v.show_stats = o.show_stats;
  v.show_cursor = o.show_cursor;
  v.upscale = o.upscale;
  v.scale = o.scale;
  v.filter = o.filter;
  v.present = o.present;
  v.follow_guest_size = o.follow_guest_size;
  SDL_GetWindowSize(window_->sdl(), &v.points_width, &v.points_height);
  v.input_note = shared_.input_note;
  v.escape_key_name = SDL_GetScancodeName(shared_.keys.escape());
  return v;
}

void ClientDisplay::sync_view() {
  ViewState v = current_view();
  if (v == sent_view_) return;
  sent_view_ = v;
  {
    std::lock_guard lock(mutex_);
    new_view_ = std::move(v);
    changed_settle_ = std::max(changed_settle_, 0);  // what is drawn depends on it
    pending_ = true;
  }
  cv_.notify_one();
}

void ClientDisplay::changed() {
  {
    std::lock_guard lock(mutex_);
    changed_settle_ = 3;  // ImGui windows size themselves over a couple of frames
    pending_ = true;
  }
  cv_.notify_one();
}

void ClientDisplay::post(std::function<void()> job) {
  {
    std::lock_guard lock(mutex_);
    jobs_.push_back(std::move(job));
    pending_ = true;
  }
  cv_.notify_one();
}

void ClientDisplay::update_intake_hidden() {
  // Hidden window or video off (escape key + V): the frame thread keeps taking frames, so the
  // agent never stalls on us, but uploads none; the first one after is uploaded whole.
  intake_->set_hidden(hidden_ || !shared_.commands.video());
}

void ClientDisplay::handle_event(const SDL_Event& e) {
  if (e.type == wake_event_) {
    // The draw thread's request: what SDL wants done on this thread.
    window_work_pending_.store(false);
    std::optional<std::string> title;
    std::optional<std::pair<std::uint32_t, std::uint32_t>> size;
    std::uint64_t attention = 0;
    {
      std::lock_guard lock(mutex_);
      title.swap(new_title_);
      size.swap(new_size_);
      attention = attention_requests_;
      attention_requests_ = 0;
    }
    if (title) window_->set_title(*title);
    if (size) window_->resize_to(size->first, size->second);
    if (attention) {
      const bool asked = window_->request_attention();
      spdlog::info("the guest asked for attention: {}", asked ? "asked the window manager (urgency hint)"
                                                              : "this window system cannot flag the window");
    }
    return;
  }
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
    case SDL_WINDOWEVENT_SIZE_CHANGED: {
      hidden_ = false;
      update_intake_hidden();
      // The GL surface takes the new size only once the X server has resized the window, which
      // may be after this event: keep drawing for a moment.
      {
        std::lock_guard lock(mutex_);
        keep_drawing_until_ns_ = monotonic_ns() + 300'000'000;
        pending_ = true;
      }
      cv_.notify_one();
      break;
    }
    default:
      break;
  }
  sync_view();  // hidden, window size
}

Result<GuestImage> ClientDisplay::read_guest_image() {
  // A screenshot reads pixels where the context is current. The event thread waits for it (one
  // draw at most): a command, not input.
  std::promise<Result<GuestImage>> promise;
  std::future<Result<GuestImage>> image = promise.get_future();
  post([&] { promise.set_value(renderer_->read_guest_image()); });
  return image.get();
}

CommandContext ClientDisplay::command_context(GuestInput& input, std::uint64_t now_ns) {
  std::uint32_t width = 0, height = 0;
  {
    std::lock_guard lock(mutex_);
    width = shown_width_;
    height = shown_height_;
  }
  return CommandContext{shared_.options,
                        *window_,
                        *overlay_,
                        input,
                        [this] { return read_guest_image(); },
                        [this](bool on) { post([this, on] { renderer_->set_vsync(on); }); },
                        width,
                        height,
                        [this](int quarter_turns) { set_user_rotation(quarter_turns); },
                        now_ns,
                        SDL_GetScancodeName(shared_.keys.escape())};
}

void ClientDisplay::set_user_rotation(int quarter_turns) {
  post([this, quarter_turns] { renderer_->set_user_rotation(quarter_turns); });
}

WindowPointerMap ClientDisplay::pointer_map() {
  std::lock_guard lock(mutex_);
  return WindowPointerMap(*window_, drawn_);
}

// ---- draw thread ----

void ClientDisplay::wake_draw(bool by_frame_path) {
  {
    std::lock_guard lock(mutex_);
    pending_ = true;
    frame_woken_ = frame_woken_ || by_frame_path;
  }
  cv_.notify_one();
}

void ClientDisplay::request_window_work() {
  if (window_work_pending_.exchange(true)) return;  // one in flight is enough
  SDL_Event e{};
  e.type = wake_event_;
  e.user.windowID = window_id_.load();
  SDL_PushEvent(&e);
}

void ClientDisplay::draw_loop(std::stop_token stop) {
  on_draw_thread_ = true;
  renderer_->attach_render_thread();
  while (!stop.stop_requested()) {
    bool frame_woken = false;
    std::optional<ViewState> view;
    int settle = -1;
    std::uint64_t keep_until = 0;
    std::vector<std::function<void()>> jobs;
    {
      std::unique_lock lock(mutex_);
      // Sleeps until woken (a frame, the event thread, the renderer) or the next redraw deadline.
      const int ms = redraw_.wait_ms(monotonic_ns(), redraw_inputs());
      if (!pending_ && ms > 0)
        cv_.wait_for(lock, stop, std::chrono::milliseconds(ms), [this] { return pending_; });
      if (stop.stop_requested()) break;
      pending_ = false;
      frame_woken = std::exchange(frame_woken_, false);
      view.swap(new_view_);
      settle = std::exchange(changed_settle_, -1);
      keep_until = std::exchange(keep_drawing_until_ns_, 0);
      jobs.swap(jobs_);
    }
    if (frame_woken) latency_trace::woken();
    if (view) view_ = std::move(*view);
    if (settle >= 0) redraw_.changed(settle);
    if (keep_until) redraw_.keep_drawing_until(keep_until);
    for (auto& job : jobs) job();
    if (!jobs.empty()) redraw_.changed();  // rotation, vsync: draw with them
    take_snapshot();
    const std::uint64_t now = monotonic_ns();
    if (redraw_.needs_redraw(now, redraw_inputs())) render(now);
  }
  renderer_->detach_render_thread();
}

void ClientDisplay::update_title() {
  // The title says what the window shows: the guest's size while frames flow, else the status
  // (visible in a task bar, and checkable by tests through the X server). With several windows
  // the output's name tells them apart. Set on the event thread (request_window_work).
  const std::string& title = shared_.options.title;  // constant after start
  const std::string name = snap_.guest && snap_.guest->output && snap_.guest->output->count > 1
                               ? " " + snap_.guest->output->name
                               : "";
  const bool showing = snap_.connected && image_width_ > 0;
  std::string text = showing ? fmt::format("{}{} - {}x{}", title, name, image_width_, image_height_)
                             : title + name + " - " + shown_status_;
  if (text == title_) return;
  title_ = text;
  {
    std::lock_guard lock(mutex_);
    new_title_ = std::move(text);
  }
  if (on_draw_thread_) request_window_work();
}

void ClientDisplay::take_snapshot() {
  if (render_requested_.exchange(false)) redraw_.changed();
  intake_->snapshot(snap_);
  if (snap_.cursor_image) {
    renderer_->set_cursor(*snap_.cursor_image);
    snap_.cursor_image.reset();
    if (view_.show_cursor) redraw_.cursor_moved();
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
    if (view_.show_cursor) redraw_.cursor_moved();
  }
  if (snap_.frames != seen_frames_) {
    timings_.frames += snap_.frames - seen_frames_;
    seen_frames_ = snap_.frames;
    if (!drawn_once_ || renderer_->frame_pending()) {
      frame_pending_stats_ = true;
      redraw_.changed();
    } else {
      // Already on screen (the GLES direct path draws a frame while its upload() waits): a second
      // draw would show the same image at the cost of a whole blit and swap.
      stats_.on_frame(snap_.frame_received_ns, last_presented_ns_);
    }
  }
  if (snap_.attention_requests != seen_attention_) {
    seen_attention_ = snap_.attention_requests;
    {
      std::lock_guard lock(mutex_);
      ++attention_requests_;
    }
    request_window_work();
  }
  {
    // The pointer map follows the output's place in the desktop at once (an agent restarted
    // with another layout sends a new record).
    std::lock_guard lock(mutex_);
    drawn_.offset = desktop_offset(snap_.guest ? snap_.guest->output : std::nullopt);
  }
  // The app applies the OR of all displays on the event thread: wake it when this one changed.
  if (screensaver_blocked_.exchange(snap_.block_screensaver) != snap_.block_screensaver)
    request_window_work();
}

RedrawPolicy::Inputs ClientDisplay::redraw_inputs() const {
  RedrawPolicy::Inputs in;
  in.hidden = view_.hidden;
  in.every_vblank = view_.present == PresentMode::every_vblank;
  in.overlay_redraw_ns = overlay_->redraw_at_ns();
  in.show_stats = view_.show_stats;
  return in;
}

void ClientDisplay::render(std::uint64_t now_ns) {
  const ViewState& v = view_;
  DrawState s;
  renderer_->drawable_size(s.window_width, s.window_height);
  const bool have_image = renderer_->has_frame();
  const FrameGeometry g = renderer_->geometry();
  if (have_image) {
    s.layout = compute_layout(g.image_width(), g.image_height(), s.window_width, s.window_height, v.scale,
                              v.upscale, v.filter);
    if (g.image_width() != image_width_ || g.image_height() != image_height_) {
      image_width_ = g.image_width();
      image_height_ = g.image_height();
      spdlog::info("{}guest image {}x{} {}", log_prefix(), image_width_, image_height_,
                   protocol::frame_type_name(snap_.frame_type));
      update_title();
      {
        std::lock_guard lock(mutex_);
        shown_width_ = image_width_;
        shown_height_ = image_height_;
        if (v.follow_guest_size) new_size_.emplace(image_width_, image_height_);
      }
      if (v.follow_guest_size) request_window_work();
    }
    s.cursor_visible = v.show_cursor && snap_.cursor_visible;
    guest_to_window(g, s.layout, snap_.cursor_x, snap_.cursor_y, s.cursor_x, s.cursor_y);
    s.cursor_scale = g.screen_width ? s.layout.scale * g.frame_width / g.screen_width : s.layout.scale;
  }
  {
    std::lock_guard lock(mutex_);
    drawn_.has_frame = have_image;
    drawn_.geometry = g;
    drawn_.layout = s.layout;
    drawn_.drawable_width = s.window_width;
    drawn_.drawable_height = s.window_height;
  }
  // Escape + O hides everything but the help (which shows while the escape key is held).
  const bool overlay_visible = (v.overlays && (!snap_.connected || !have_image || !snap_.warning.empty() ||
                                               v.show_stats || overlay_->showing_notice(now_ns))) ||
                               v.escape_held;
  // ImGui's context is process-wide: held from NewFrame until the renderer drew the draw data.
  std::unique_lock<std::mutex> imgui;
  if (overlay_visible) {
    OverlayState o;
    o.connected = snap_.connected;
    o.have_image = have_image;
    o.status = snap_.status;
    o.warning = snap_.warning;
    o.region = snap_.region;
    o.view_only_note = v.input_note;
    o.guest = snap_.connected && snap_.guest ? &*snap_.guest : nullptr;
    o.guest_width = image_width_;
    o.guest_height = image_height_;
    o.frame_type = protocol::frame_type_name(snap_.frame_type);
    o.show_stats = v.show_stats;
    o.show_help = v.escape_held;
    o.help_only = !v.overlays;
    o.escape_key_name = v.escape_key_name;
    o.fps = stats_.fps(now_ns);
    o.rejected_frames = snap_.rejected_frames;
    o.stats = &stats_;
    o.renderer = renderer_reason_ + "; " + renderer_->describe();
    imgui = overlay_->lock();
    renderer_->begin_overlay_frame();
    s.overlay = overlay_->build(o, now_ns, v.points_width, v.points_height, s.window_width, s.window_height);
  }
  renderer_->render(s);
  if (imgui) imgui.unlock();
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
  redraw_.drawn(presented, overlay_visible && v.show_stats);
  drawn_once_ = true;
  last_presented_ns_ = presented;
}

}  // namespace kagami::client
