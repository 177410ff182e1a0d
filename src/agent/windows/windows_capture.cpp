#include "agent/windows/windows_capture.h"

#include <spdlog/spdlog.h>

#include "agent/windows/input_desktop.h"
#include "capture/gdi/gdi_capture.h"

namespace kagami::agent {
namespace {

// A backend whose every start() — the first, and each one the agent loop makes after a capture
// loss — first moves the calling (capture) thread to the desktop that receives input, so capture
// follows the secure desktop (UAC, login screen) and back. set_cursor_position does the same for
// its own thread (the agent's timer thread, which nothing else moves) before every call, so the
// client's pointer moves land on the desktop the user sees. Everything else is passed through.
class InputDesktopCapture final : public capture::CaptureBackend {
 public:
  explicit InputDesktopCapture(std::unique_ptr<capture::CaptureBackend> backend)
      : backend_(std::move(backend)) {}

  std::string_view name() const override { return backend_->name(); }
  Result<void> start() override {
    const std::string desktop = follow_input_desktop();
    if (desktop != desktop_) {  // the first start, or a switch (to or from the secure desktop)
      if (desktop.empty())
        spdlog::info("capture: cannot attach to the input desktop; capturing the thread's own");
      else
        spdlog::info("capture: on the '{}' desktop", desktop);
      desktop_ = desktop;
    }
    return backend_->start();
  }
  capture::CaptureStatus capture(std::chrono::milliseconds timeout, capture::CaptureEvent* event) override {
    return backend_->capture(timeout, event);
  }
  capture::CaptureStatus read_pixels(const capture::FrameTarget& target,
                                     std::span<const capture::Rect> rects) override {
    return backend_->read_pixels(target, rects);
  }
  void set_cursor_position(std::int32_t x, std::int32_t y) override {
    follow_input_desktop();
    backend_->set_cursor_position(x, y);
  }
  std::string last_error() const override { return backend_->last_error(); }
  std::optional<protocol::OutputInfo> output() const override { return backend_->output(); }

 private:
  std::unique_ptr<capture::CaptureBackend> backend_;
  std::string desktop_ = "(none)";
};

Result<std::unique_ptr<capture::CaptureBackend>> started(std::unique_ptr<capture::CaptureBackend> backend) {
  auto wrapped = on_input_desktop(std::move(backend));
  if (auto ok = wrapped->start(); !ok) return Error{ok.error().message};
  return wrapped;
}

}  // namespace

std::unique_ptr<capture::CaptureBackend> on_input_desktop(std::unique_ptr<capture::CaptureBackend> backend) {
  return std::make_unique<InputDesktopCapture>(std::move(backend));
}

Result<std::unique_ptr<capture::CaptureBackend>> make_windows_capture(std::string_view name,
                                                                      const capture::DxgiOptions& dxgi) {
  if (name == "dxgi") return started(capture::make_dxgi_capture(dxgi));
  capture::GdiOptions gdi;
  gdi.output = dxgi.output;
  if (name == "gdi") return started(capture::make_gdi_capture(gdi));
  if (name != "auto")
    return Error{"unknown capture backend '" + std::string(name) + "': use auto, dxgi or gdi"};

  auto best = started(capture::make_dxgi_capture(dxgi));
  if (best) {
    spdlog::info("capture: using dxgi (Desktop Duplication)");
    return best;
  }
  spdlog::warn("capture: dxgi unavailable ({}); falling back to gdi (slower, no secure desktop)",
               best.error().message);
  auto fallback = started(capture::make_gdi_capture(gdi));
  if (fallback) spdlog::info("capture: using gdi");
  return fallback;
}

}  // namespace kagami::agent
