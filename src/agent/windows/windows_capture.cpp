#include "agent/windows/windows_capture.h"

#include <spdlog/spdlog.h>

#include "agent/windows/input_desktop.h"
#include "capture/gdi/gdi_capture.h"

namespace kagami::agent {
namespace {

Result<std::unique_ptr<capture::CaptureBackend>> started(std::unique_ptr<capture::CaptureBackend> backend) {
  follow_input_desktop();
  if (auto ok = backend->start(); !ok) return Error{ok.error().message};
  return backend;
}

}  // namespace

Result<std::unique_ptr<capture::CaptureBackend>> make_windows_capture(std::string_view name,
                                                                      const capture::DxgiOptions& dxgi) {
  if (name == "dxgi") return started(capture::make_dxgi_capture(dxgi));
  if (name == "gdi") return started(capture::make_gdi_capture());
  if (name != "auto")
    return Error{"unknown capture backend '" + std::string(name) + "': use auto, dxgi or gdi"};

  auto best = started(capture::make_dxgi_capture(dxgi));
  if (best) {
    spdlog::info("capture: using dxgi (Desktop Duplication)");
    return best;
  }
  spdlog::warn("capture: dxgi unavailable ({}); falling back to gdi (slower, no secure desktop)",
               best.error().message);
  auto fallback = started(capture::make_gdi_capture());
  if (fallback) spdlog::info("capture: using gdi");
  return fallback;
}

}  // namespace kagami::agent
