#include "client/client_app.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "client/latency_trace.h"

namespace kagami::client {
namespace {

// The SDL window an event belongs to (0: none, e.g. the clipboard or quit).
std::uint32_t window_of(const SDL_Event& e) {
  switch (e.type) {
    case SDL_WINDOWEVENT:
      return e.window.windowID;
    case SDL_KEYDOWN:
    case SDL_KEYUP:
      return e.key.windowID;
    case SDL_TEXTEDITING:
      return e.edit.windowID;
    case SDL_TEXTINPUT:
      return e.text.windowID;
    case SDL_MOUSEMOTION:
      return e.motion.windowID;
    case SDL_MOUSEBUTTONDOWN:
    case SDL_MOUSEBUTTONUP:
      return e.button.windowID;
    case SDL_MOUSEWHEEL:
      return e.wheel.windowID;
    case SDL_DROPFILE:
    case SDL_DROPTEXT:
    case SDL_DROPBEGIN:
    case SDL_DROPCOMPLETE:
      return e.drop.windowID;
    default:
      return e.type >= SDL_USEREVENT ? e.user.windowID : 0;
  }
}

// For events that belong to no window: no position to map.
struct NoPointer final : GuestPointerMap {
  bool window_to_guest(int, int, int&, int&) const override { return false; }
};

}  // namespace

ClientApp::ClientApp(Options options) : options_(std::move(options)) {}

ClientApp::~ClientApp() {
  // Each display stops its frame thread before its renderer goes (client_display.cpp).
  displays_.clear();
  input_.reset();
  if (events_started_) SDL_QuitSubSystem(SDL_INIT_EVENTS);
}

Result<void> ClientApp::start() {
  auto escape = parse_escape_key(options_.escape_key);
  if (!escape) return escape.error();
  keys_.emplace(*escape);
  // Redrawing every refresh only makes sense when the swap waits for the refresh.
  options_.vsync = options_.vsync || options_.present == PresentMode::every_vblank;
  // SDL's event queue outlives every window (a renderer fallback closes and reopens one, which
  // would otherwise stop and restart the queue under the frame threads' wake-ups).
  if (SDL_InitSubSystem(SDL_INIT_EVENTS) != 0)
    return Error{fmt::format("cannot start SDL: {}", SDL_GetError())};
  events_started_ = true;
  wake_event_ = SDL_RegisterEvents(1);
  const std::vector<WindowOptions> windows = client::windows(options_);
  const DisplayShared shared{options_, commands_, *keys_, input_note_, windows.size() > 1};
  for (const WindowOptions& w : windows) {
    auto display = ClientDisplay::open(w, shared, wake_event_);
    if (!display) {
      return windows.size() > 1 ? Error{fmt::format("{}: {}", w.shm, display.error().message)}
                                : display.error();
    }
    displays_.push_back(std::move(*display));
  }
  if (windows.size() > 1) spdlog::info("{} windows, one per region", windows.size());
  focused_window_ = displays_.front()->window_id();
  input_ = start_guest_input(options_);
  CommandContext ctx = displays_.front()->command_context(*input_, monotonic_ns());
  commands_.start(ctx);  // the options commands change later: rotation, volume, ...
  for (std::size_t i = 1; i < displays_.size(); ++i) displays_[i]->set_user_rotation(options_.rotate / 90);
  input_note_ = input_->note();
  if (!input_note_.empty()) spdlog::info("{}", input_note_);
  return {};
}

ClientDisplay* ClientApp::find(std::uint32_t window_id) {
  for (auto& d : displays_) {
    if (d->window_id() == window_id) return d.get();
  }
  return nullptr;
}

ClientDisplay* ClientApp::focused() {
  ClientDisplay* d = find(focused_window_);
  return d ? d : displays_.front().get();
}

void ClientApp::all_changed() {
  for (auto& d : displays_) d->changed();
}

void ClientApp::close_display(std::uint32_t window_id) {
  // SDL sends SDL_QUIT itself when the last window is closed; before that a closed window only
  // ends its own display.
  if (displays_.size() <= 1) return;
  const auto it = std::find_if(displays_.begin(), displays_.end(),
                               [&](const auto& d) { return d->window_id() == window_id; });
  if (it == displays_.end()) return;
  spdlog::info("window for {} closed", (*it)->shm());
  input_->release_all();
  displays_.erase(it);
  if (focused_window_ == window_id) focused_window_ = displays_.front()->window_id();
}

void ClientApp::handle_event(const SDL_Event& e) {
  if (e.type == SDL_QUIT) {
    running_ = false;
    return;
  }
  const std::uint32_t window_id = window_of(e);
  ClientDisplay* display = find(window_id);
  if (e.type == wake_event_) {
    if (display) display->handle_event(e);
    return;  // the snapshots are read after the events
  }
  if (e.type == SDL_MOUSEMOTION) latency_trace::motion(e.motion.x, e.motion.y);
  if (display) display->handle_event(e);
  if (e.type == SDL_KEYDOWN || e.type == SDL_KEYUP) {
    handle_key(e, display ? display : focused());
    return;
  }
  if (e.type == SDL_WINDOWEVENT && e.window.event == SDL_WINDOWEVENT_FOCUS_GAINED && display)
    focused_window_ = window_id;
  // Mouse positions map through the window they happened in; focus changes release what the
  // guest holds (guest_input_spice.cpp).
  if (display) {
    input_->event(e, display->pointer_map());
  } else {
    input_->event(e, NoPointer{});
  }
  if (e.type == SDL_WINDOWEVENT && e.window.event == SDL_WINDOWEVENT_CLOSE) close_display(window_id);
}

void ClientApp::handle_key(const SDL_Event& e, ClientDisplay* display) {
  const bool pressed = e.type == SDL_KEYDOWN;
  spdlog::trace("key {} {}", SDL_GetScancodeName(e.key.keysym.scancode), pressed ? "down" : "up");
  std::optional<Command> command;
  const bool was_held = keys_->escape_held();
  if (!keys_->on_key(e.key.keysym.scancode, pressed, e.key.timestamp, command))
    input_->key(e.key.keysym.scancode, pressed);
  if (was_held != keys_->escape_held()) all_changed();  // the help shows while it is held
  if (command && !e.key.repeat && display) run_command(*command, *display);
}

void ClientApp::run_command(Command command, ClientDisplay& display) {
  all_changed();
  CommandContext ctx = display.command_context(*input_, monotonic_ns());
  commands_.run(command, ctx);
  if (commands_.quit_requested()) running_ = false;
  for (auto& d : displays_) d->update_intake_hidden();  // escape key + V
}

void ClientApp::check_input_note(std::uint64_t now_ns) {
  if (now_ns < next_note_check_ns_) return;  // the SPICE state changes slowly: twice a second
  next_note_check_ns_ = now_ns + 500'000'000;
  if (std::string note = input_->note(); note != input_note_) {
    spdlog::info("{}", note.empty() ? "input goes to the guest (SPICE connected)" : note);
    input_note_ = std::move(note);
    if (input_note_.empty()) {
      CommandContext ctx = focused()->command_context(*input_, now_ns);
      commands_.input_ready(ctx);  // --capture-on-start
    }
    all_changed();
  }
}

int ClientApp::run() {
  if (auto started = start(); !started) {
    spdlog::error("{}", started.error().message);
    return 1;
  }
  // The event thread: events, commands and input only. Each display draws on its own thread
  // (client_display.h) and asks for what must happen here (title, size, attention) with an SDL
  // user event, so nothing here waits for a draw.
  constexpr int kMaxWaitMs = 50;  // SDL's SIGTERM handler only queues SDL_QUIT on the next pump
  while (running_ && !displays_.empty()) {
    SDL_Event e;
    if (SDL_WaitEventTimeout(&e, kMaxWaitMs)) {
      handle_event(e);
      while (running_ && SDL_PollEvent(&e)) handle_event(e);
    }
    if (!running_) break;
    bool screensaver = false;
    for (auto& d : displays_) {
      d->sync_view();  // the options, commands and keys as the events left them
      screensaver = screensaver || d->blocks_screensaver();
    }
    if (screensaver != screensaver_blocked_) {
      screensaver_blocked_ = screensaver;
      screensaver ? SDL_DisableScreenSaver() : SDL_EnableScreenSaver();
    }
    check_input_note(monotonic_ns());
  }
  return 0;
}

}  // namespace kagami::client
