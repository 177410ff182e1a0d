// Keyboard, mouse and clipboard to the guest through kagami::spice::Session (docs/spice.md,
// "Wiring into kagami-client"). The Session does its work on its own GLib thread; these calls
// only queue to it.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "client/guest_input.h"
#include "spice/session.h"

namespace kagami::client {
namespace {

// Guest clipboard text arrives on the GLib thread; SDL's clipboard belongs to the window thread.
Uint32 clipboard_event_type() {
  static const Uint32 type = SDL_RegisterEvents(1);
  return type;
}

class SpiceInput final : public GuestInput {
 public:
  SpiceInput(std::unique_ptr<spice::Session> session, std::string uri, bool to_guest, bool to_host)
      : session_(std::move(session)), uri_(std::move(uri)), clipboard_(to_guest) {
    if (to_host) {
      session_->on_guest_clipboard([](spice::ClipboardData data) {
        if (data.type != spice::ClipboardType::Text) return;  // SDL2's clipboard is text only
        auto* text = new std::string(data.bytes.begin(), data.bytes.end());
        SDL_Event e{};
        e.type = clipboard_event_type();
        e.user.data1 = text;
        if (SDL_PushEvent(&e) != 1) delete text;
      });
    }
  }

  void key(SDL_Scancode scancode, bool pressed) override {
    if (!enabled_) return;
    pressed ? session_->key_down(scancode) : session_->key_up(scancode);
  }

  void event(const SDL_Event& e, const GuestPointerMap& map) override {
    switch (e.type) {
      case SDL_MOUSEMOTION:
        if (!enabled_) break;
        if (captured_) {
          move_relative(e.motion.xrel, e.motion.yrel);
        } else if (session_->status().mouse_mode == spice::MouseMode::Client) {
          int gx = 0, gy = 0;
          if (map.window_to_guest(e.motion.x, e.motion.y, gx, gy)) session_->mouse_position(gx, gy);
        }
        break;
      case SDL_MOUSEBUTTONDOWN:
      case SDL_MOUSEBUTTONUP:
        if (enabled_) session_->mouse_button(e.button.button, e.type == SDL_MOUSEBUTTONDOWN);
        break;
      case SDL_MOUSEWHEEL:
        if (enabled_) session_->mouse_wheel(e.wheel.x, e.wheel.y);
        break;
      case SDL_CLIPBOARDUPDATE:
        if (clipboard_ && SDL_HasClipboardText()) {
          char* text = SDL_GetClipboardText();
          const std::string host(text ? text : "");
          SDL_free(text);
          if (host != last_from_guest_) {
            session_->set_host_clipboard(
                {spice::ClipboardType::Text, std::vector<uint8_t>(host.begin(), host.end())});
          }
        }
        break;
      case SDL_WINDOWEVENT:
        if (e.window.event == SDL_WINDOWEVENT_FOCUS_LOST) session_->release_all();
        break;
      default:
        if (e.type == clipboard_event_type()) {
          auto* text = static_cast<std::string*>(e.user.data1);
          last_from_guest_ = *text;
          SDL_SetClipboardText(text->c_str());
          delete text;
        }
        break;
    }
  }

  void set_captured(bool captured) override {
    captured_ = captured;
    session_->release_all();
    // The SPICE server drops relative motion in client (absolute) mouse mode: capture needs the
    // server mode, where the guest's own pointer follows our relative motion.
    session_->request_mouse_mode(captured ? spice::MouseMode::Server : spice::MouseMode::Client);
  }

  void release_all() override { session_->release_all(); }

  void send_combo(const std::vector<SDL_Scancode>& keys) override {
    if (!enabled_) return;
    for (SDL_Scancode k : keys) session_->key_down(k);
    for (auto it = keys.rbegin(); it != keys.rend(); ++it) session_->key_up(*it);
  }

  void set_input_enabled(bool on) override {
    if (!on) session_->release_all();
    enabled_ = on;
  }

  void set_mouse_sensitivity(int step) override { sensitivity_ = step; }
  void set_volume(unsigned percent) override { session_->set_volume(percent); }
  void set_mute(bool mute) override { session_->set_mute(mute); }
  void set_microphone(bool on) override { session_->set_microphone(on); }

  std::string note() const override {
    if (!enabled_) return "input to the guest is off (escape key + I turns it on)";
    const spice::SessionStatus s = session_->status();
    if (s.state == spice::ConnectionState::Connected && s.inputs_ready) return "";
    const std::string why = s.last_error.empty() ? "" : " (" + s.last_error + ")";
    switch (s.state) {
      case spice::ConnectionState::Failed:
        return "view-only: SPICE at " + uri_ + " failed" + why;
      case spice::ConnectionState::Disabled:
        return "view-only: SPICE is off";
      default:
        return "view-only until SPICE at " + uri_ + " answers" + why;
    }
  }

 private:
  std::unique_ptr<spice::Session> session_;
  std::string uri_;
  bool clipboard_;  // host copies go to the guest
  // Scaled relative motion; the fractions carry over so slow movements are not lost.
  void move_relative(int dx, int dy) {
    const double factor = (10.0 + sensitivity_) / 10.0;
    carry_x_ += dx * factor;
    carry_y_ += dy * factor;
    const int mx = static_cast<int>(carry_x_), my = static_cast<int>(carry_y_);
    carry_x_ -= mx;
    carry_y_ -= my;
    if (mx || my) session_->mouse_motion(mx, my);
  }

  bool captured_ = false;
  bool enabled_ = true;
  int sensitivity_ = 0;
  double carry_x_ = 0, carry_y_ = 0;
  std::string last_from_guest_;  // not announced back to the guest (no loops)
};

}  // namespace

std::unique_ptr<GuestInput> start_guest_input(const Options& options) {
  if (!options.spice) return view_only_guest_input("view-only: SPICE is off (--no-spice)");
  spice::SessionOptions so;
  so.uri = options.spice_uri;
  so.password = options.spice_password;
  so.clipboard.enabled = options.clipboard && (options.clipboard_to_guest || options.clipboard_to_host);
  so.clipboard.to_guest = options.clipboard_to_guest;
  so.clipboard.to_host = options.clipboard_to_host;
  so.audio.playback = options.audio;
  so.audio.record = options.microphone;
  auto session = spice::Session::start(so);
  if (!session) {
    spdlog::warn("SPICE: {}", session.error().message);
    return view_only_guest_input("view-only: " + session.error().message);
  }
  spdlog::info("SPICE: connecting to {}", options.spice_uri);
  return std::make_unique<SpiceInput>(std::move(*session), options.spice_uri,
                                      options.clipboard && options.clipboard_to_guest,
                                      options.clipboard && options.clipboard_to_host);
}

}  // namespace kagami::client
