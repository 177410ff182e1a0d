#include "spice/session.h"

#include <atomic>

#include "spice/connection.h"
#include "spice/uri.h"

namespace kagami::spice {
namespace {

std::atomic<bool> g_session_exists{false};  // spice-client-glib runs on the one default context

}  // namespace

const char* to_string(ConnectionState state) {
  switch (state) {
    case ConnectionState::Disabled:
      return "disabled";
    case ConnectionState::Connecting:
      return "connecting";
    case ConnectionState::Connected:
      return "connected";
    case ConnectionState::Reconnecting:
      return "reconnecting";
    case ConnectionState::Failed:
      return "failed";
  }
  return "?";
}

Result<std::unique_ptr<Session>> Session::start(SessionOptions options) {
  auto address = parse_spice_uri(options.uri);
  if (!address) return address.error();
  if (g_session_exists.exchange(true)) {
    return Error{"a SPICE session is already running in this process (only one is supported)"};
  }
  auto impl = std::make_unique<Impl>(std::move(options), std::move(address.value()));
  return std::unique_ptr<Session>(new Session(std::move(impl)));
}

Session::Session(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Session::~Session() {
  impl_.reset();
  g_session_exists = false;
}

void Session::key_down(int sdl_scancode) {
  impl_->loop().invoke([impl = impl_.get(), sdl_scancode] { impl->input().key_down(sdl_scancode); });
}

void Session::key_up(int sdl_scancode) {
  impl_->loop().invoke([impl = impl_.get(), sdl_scancode] { impl->input().key_up(sdl_scancode); });
}

void Session::release_all() {
  impl_->loop().invoke([impl = impl_.get()] { impl->input().release_all(); });
}

void Session::mouse_position(int x, int y) {
  impl_->loop().invoke([impl = impl_.get(), x, y] { impl->input().position(x, y); });
}

void Session::mouse_motion(int dx, int dy) {
  impl_->loop().invoke([impl = impl_.get(), dx, dy] { impl->input().motion(dx, dy); });
}

void Session::mouse_button(int sdl_button, bool pressed) {
  impl_->loop().invoke(
      [impl = impl_.get(), sdl_button, pressed] { impl->input().button(sdl_button, pressed); });
}

void Session::mouse_wheel(int /*dx: not in the SPICE protocol*/, int dy) {
  impl_->loop().invoke([impl = impl_.get(), dy] { impl->input().wheel(dy); });
}

void Session::request_mouse_mode(MouseMode mode) {
  impl_->loop().invoke([impl = impl_.get(), mode] { impl->request_mouse_mode(mode); });
}

void Session::set_host_clipboard(ClipboardData data) {
  impl_->loop().invoke([impl = impl_.get(), data = std::move(data)]() mutable {
    impl->clipboard().set_host(std::move(data));
  });
}

void Session::release_host_clipboard() {
  impl_->loop().invoke([impl = impl_.get()] { impl->clipboard().release_host(); });
}

void Session::on_guest_clipboard(ClipboardHandler handler, ClipboardReleaseHandler release) {
  impl_->loop().invoke(
      [impl = impl_.get(), handler = std::move(handler), release = std::move(release)]() mutable {
        impl->clipboard().set_handlers(std::move(handler), std::move(release));
      });
}

void Session::set_volume(uint32_t percent) {
  impl_->loop().invoke([impl = impl_.get(), percent] { impl->set_volume(percent); });
}

void Session::set_mute(bool mute) {
  impl_->loop().invoke([impl = impl_.get(), mute] { impl->set_mute(mute); });
}

void Session::set_microphone(bool on) {
  impl_->loop().invoke([impl = impl_.get(), on] { impl->set_microphone(on); });
}

SessionStatus Session::status() const { return impl_->status().snapshot(); }

}  // namespace kagami::spice
