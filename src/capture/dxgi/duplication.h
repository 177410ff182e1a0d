#pragma once
// Where the dxgi backend gets its IDXGIOutputDuplication: a factory it is given. Production
// passes duplicate_output (IDXGIOutput5::DuplicateOutput1, else IDXGIOutput1::DuplicateOutput);
// the Wine tests pass a duplication object of their own on real D3D11 textures, because Wine's
// DuplicateOutput is E_NOTIMPL (tests/wine/windows/fake_duplication.h). Everything else in the
// backend — adapter and output choice, the D3D11 device, the staging copy, rects, pointer —
// runs the same in both.
// windows.h must come before the other Windows headers.
// clang-format off
#include <windows.h>
#include <d3d11.h>
#include <dxgi1_2.h>
#include <dxgi1_6.h>
// clang-format on

#include <functional>
#include <memory>

#include "capture/capture.h"
#include "capture/dxgi/com_ptr.h"
#include "capture/dxgi/dxgi_capture.h"

namespace kagami::capture::dxgi {

// What the backend has when it asks for a duplication: the chosen output, its adapter, and the
// D3D11 device created on that adapter (the one the desktop textures must belong to).
struct DuplicationRequest {
  IDXGIAdapter1* adapter = nullptr;
  IDXGIOutput* output = nullptr;
  ID3D11Device* device = nullptr;
  bool hdr = true;  // offer the 10-bit and FP16 formats
};

// The duplication and the output description the backend needs beside it: the colour space
// (IDXGIOutput6::GetDesc1) says whether a 10-bit desktop is HDR10.
struct Duplication {
  ComPtr<IDXGIOutputDuplication> duplication;
  DXGI_COLOR_SPACE_TYPE color_space = DXGI_COLOR_SPACE_RGB_FULL_G22_NONE_P709;
};

// Fills `out` or returns the failure (E_ACCESSDENIED etc. are retried by the backend).
using DuplicationFactory = std::function<HRESULT(const DuplicationRequest& request, Duplication* out)>;

// The real one: DuplicateOutput1 with R16G16B16A16_FLOAT, R10G10B10A2_UNORM, B8G8R8A8_UNORM
// (only B8G8R8A8 when !hdr), else DuplicateOutput; the colour space from GetDesc1 when present.
HRESULT duplicate_output(const DuplicationRequest& request, Duplication* out);

std::unique_ptr<CaptureBackend> make_dxgi_capture(const DxgiOptions& options, DuplicationFactory factory);

}  // namespace kagami::capture::dxgi
