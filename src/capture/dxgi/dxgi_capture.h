#pragma once
// The `dxgi` capture backend: D3D11 + DXGI Desktop Duplication (DuplicateOutput1 with an HDR
// format preference on Windows 10 1703+, else DuplicateOutput). Frames arrive only on change
// with dirty + move rects; each is copied into a staging texture and from there straight into
// the frame slot; the pointer's position and shape come with the frames.
#include <memory>
#include <string>

#include "capture/capture.h"

namespace kagami::capture {

struct DxgiOptions {
  std::string output;        // "" = primary; index, device name (\\.\DISPLAY2) or adapter name part
  std::string expected_gpu;  // part of the passed-through GPU's name; "" = any non-virtual adapter
  bool hdr = true;           // offer 10-bit and FP16 formats to DuplicateOutput1
};

std::unique_ptr<CaptureBackend> make_dxgi_capture(const DxgiOptions& options = {});

}  // namespace kagami::capture
