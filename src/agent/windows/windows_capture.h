#pragma once
// The Windows capture backends by name, for the agent's --capture option: "dxgi", "gdi", or
// "auto" (DXGI Desktop Duplication, else GDI with a log line saying why). Returns a started backend
// whose start() — this first one and every restart after a capture loss — attaches the calling
// thread to the input desktop first (input_desktop.h); call on the capture thread.
#include <memory>
#include <string_view>

#include "capture/capture.h"
#include "capture/dxgi/dxgi_capture.h"
#include "common/result.h"

namespace kagami::agent {

// `backend`, not started, wrapped so that start() runs on the input desktop and
// set_cursor_position follows the input desktop on its own thread (what make_windows_capture
// returns; the Wine tests wrap their own dxgi backend with it).
std::unique_ptr<capture::CaptureBackend> on_input_desktop(std::unique_ptr<capture::CaptureBackend> backend);

// `dxgi.output` (--output) picks the output for gdi too (one of its monitors).
Result<std::unique_ptr<capture::CaptureBackend>> make_windows_capture(std::string_view name,
                                                                      const capture::DxgiOptions& dxgi = {});

}  // namespace kagami::agent
