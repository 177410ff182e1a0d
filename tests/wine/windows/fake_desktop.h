#pragma once
// A desktop for the dxgi backend to duplicate under Wine, where DuplicateOutput is E_NOTIMPL:
// FakeDesktop hands the backend (through its DuplicationFactory seam) an IDXGIOutputDuplication
// of its own whose desktop image is a real ID3D11Texture2D on the backend's device, drawn with
// UpdateSubresource and moved with CopySubresourceRegion (wined3d on llvmpipe under Wine). The
// test scripts what the "OS" does — dirty rects, move rects, pointer moves and shapes, mode
// changes, lost access — and FakeDesktop keeps the image the screen should show (CPU side) to
// compare the published frames with. It also checks that the backend uses the interface the
// way Microsoft documents it (violations()).
//
// Threads: the backend calls the duplication on the agent's capture thread, where all D3D11
// work happens; the test thread only pushes updates and reads results (one mutex).
// clang-format off
#include <windows.h>
#include <d3d11.h>
#include <dxgi1_2.h>
#include <dxgi1_6.h>
// clang-format on

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "capture/dxgi/duplication.h"

namespace kagami::wine_test {

struct Mode {
  UINT width = 320, height = 200;
  DXGI_FORMAT format = DXGI_FORMAT_B8G8R8A8_UNORM;
  DXGI_MODE_ROTATION rotation = DXGI_MODE_ROTATION_IDENTITY;
  DXGI_COLOR_SPACE_TYPE color_space = DXGI_COLOR_SPACE_RGB_FULL_G22_NONE_P709;
  // DesktopImageInSystemMemory: the backend must read the image with MapDesktopSurface. The
  // texture is then left black, so a backend that copied the texture instead shows it.
  bool system_memory = false;
  std::uint32_t seed = 1;  // content of the whole image when this mode starts
  // The rect the first frame of a duplication reports dirty (default: all of it). A smaller one
  // checks that the backend copies a new duplication's first frame whole anyway.
  std::optional<RECT> first_dirty;
};

// A mode without the optional parts (no -Wmissing-field-initializers at the call sites).
inline Mode make_mode(UINT width, UINT height, DXGI_FORMAT format, std::uint32_t seed,
                      DXGI_COLOR_SPACE_TYPE color_space = DXGI_COLOR_SPACE_RGB_FULL_G22_NONE_P709,
                      DXGI_MODE_ROTATION rotation = DXGI_MODE_ROTATION_IDENTITY, bool system_memory = false) {
  Mode mode;
  mode.width = width;
  mode.height = height;
  mode.format = format;
  mode.seed = seed;
  mode.color_space = color_space;
  mode.rotation = rotation;
  mode.system_memory = system_memory;
  return mode;
}

struct PointerShape {
  UINT type = DXGI_OUTDUPL_POINTER_SHAPE_TYPE_COLOR;
  UINT width = 0, height = 0, pitch = 0;  // monochrome: height = AND rows + XOR rows
  POINT hotspot{0, 0};
  std::vector<std::uint8_t> data;  // pitch * height
};

// One step of the desktop, delivered by one AcquireNextFrame.
struct Update {
  std::vector<DXGI_OUTDUPL_MOVE_RECT> moves;  // applied first (Microsoft's order) ...
  std::vector<RECT> dirty;                    // ... then these are redrawn with `seed`
  std::uint32_t seed = 0;
  bool short_metadata = false;   // TotalMetadataBufferSize too small: the backend meets MORE_DATA
  bool redraw = true;            // false: report `dirty` without drawing (the benchmark)
  std::optional<POINT> pointer;  // new position (top-left of the shape, output pixels)
  bool pointer_visible = true;
  std::optional<PointerShape> shape;
  bool lose_access = false;  // AcquireNextFrame answers ACCESS_LOST; set_mode first for a new mode
};

struct Counters {
  std::uint64_t acquires = 0, timeouts = 0, frames = 0;
  std::uint64_t duplications = 0;    // factory calls that succeeded
  std::uint64_t maps = 0;            // MapDesktopSurface calls
  std::uint64_t more_data = 0;       // DXGI_ERROR_MORE_DATA answers
  std::vector<UINT> timeouts_asked;  // AcquireNextFrame's timeout argument, per call (last 1000)
};

// Bytes per pixel of the formats the fake draws.
UINT bytes_per_pixel(DXGI_FORMAT format);

class FakeDesktop {
 public:
  explicit FakeDesktop(Mode mode);

  // The seam for dxgi::make_dxgi_capture.
  capture::dxgi::DuplicationFactory factory();

  // The mode of the next duplication (the next factory call); the image is redrawn whole.
  void set_mode(const Mode& mode);
  void push(Update update);
  // True when every pushed update has been acquired (and so drawn).
  bool drained() const;

  // What the screen shows now (after the updates acquired so far): rows of width * bpp bytes.
  std::vector<std::uint8_t> image() const;
  Mode mode() const;
  Counters counters() const;
  std::vector<std::string> violations() const;

  // The duplication object's side (called by FakeDuplication, under the lock there).
  struct State;
  State& state() { return *state_; }

 private:
  std::shared_ptr<State> state_;
};

// The bytes a redraw with `seed` puts at (x, y): deterministic, format-valid (finite halves for
// FP16), different for every seed.
void pixel(DXGI_FORMAT format, std::uint32_t seed, UINT x, UINT y, std::uint8_t* out);

}  // namespace kagami::wine_test
