#include "tests/wine/windows/fake_desktop.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>

namespace kagami::wine_test {

using capture::dxgi::ComPtr;

UINT bytes_per_pixel(DXGI_FORMAT format) { return format == DXGI_FORMAT_R16G16B16A16_FLOAT ? 8 : 4; }

void pixel(DXGI_FORMAT format, std::uint32_t seed, UINT x, UINT y, std::uint8_t* out) {
  std::uint32_t h = x * 73856093u ^ y * 19349663u ^ (seed + 1) * 83492791u;
  h ^= h >> 15;
  h *= 0x2c1b3c6du;
  h ^= h >> 12;
  if (format == DXGI_FORMAT_R16G16B16A16_FLOAT) {
    for (int c = 0; c < 4; ++c) {  // halves in [0.5, 2): finite, so any copy keeps the bits
      const auto half = static_cast<std::uint16_t>(0x3800u | ((h >> (c * 7)) & 0x7FFu));
      std::memcpy(out + c * 2, &half, 2);
    }
  } else {
    std::memcpy(out, &h, 4);
  }
}

struct FakeDesktop::State {
  mutable std::mutex mutex;
  std::condition_variable pushed;
  Mode mode;
  std::vector<std::uint8_t> image;  // the screen now, tight rows
  std::deque<Update> queue;
  Counters counters;
  std::vector<std::string> violations;
  POINT pointer{0, 0};
  bool pointer_visible = false;
  int live = 0;  // duplication objects not yet released

  UINT pitch() const { return mode.width * bytes_per_pixel(mode.format); }
  void redraw(const RECT& r, std::uint32_t seed) {
    const UINT bpp = bytes_per_pixel(mode.format);
    for (LONG y = r.top; y < r.bottom; ++y)
      for (LONG x = r.left; x < r.right; ++x)
        pixel(mode.format, seed, static_cast<UINT>(x), static_cast<UINT>(y),
              &image[static_cast<std::size_t>(y) * pitch() + static_cast<std::size_t>(x) * bpp]);
  }
  void violation(std::string what) { violations.push_back(std::move(what)); }
};

namespace {

LARGE_INTEGER now() {
  LARGE_INTEGER t;
  QueryPerformanceCounter(&t);
  return t;
}

// The duplication object. Every method takes the desktop's lock; AcquireNextFrame waits on it.
class FakeDuplication final : public IDXGIOutputDuplication {
 public:
  FakeDuplication(std::shared_ptr<FakeDesktop::State> state, ID3D11Device* device)
      : state_(std::move(state)), mode_(state_->mode) {
    device->AddRef();
    *device_.put() = device;
    device->GetImmediateContext(context_.put());
    ++state_->live;
  }
  ~FakeDuplication() { --state_->live; }

  // Creates the desktop texture (and the scratch one moves go through) on the backend's device.
  HRESULT create() {
    D3D11_TEXTURE2D_DESC desc{};
    desc.Width = mode_.width;
    desc.Height = mode_.height;
    desc.MipLevels = 1;
    desc.ArraySize = 1;
    desc.Format = mode_.format;
    desc.SampleDesc = {1, 0};
    desc.Usage = D3D11_USAGE_DEFAULT;
    desc.BindFlags = D3D11_BIND_SHADER_RESOURCE;
    std::vector<std::uint8_t> black(std::size_t{state_->pitch()} * mode_.height, 0);
    D3D11_SUBRESOURCE_DATA data{mode_.system_memory ? black.data() : state_->image.data(), state_->pitch(),
                                0};
    HRESULT hr = device_->CreateTexture2D(&desc, &data, texture_.put());
    if (SUCCEEDED(hr)) hr = device_->CreateTexture2D(&desc, nullptr, scratch_.put());
    // The system-memory image has a padded pitch, as a real surface may.
    surface_pitch_ = state_->pitch() + 64;
    surface_.assign(std::size_t{surface_pitch_} * mode_.height, 0xEE);
    copy_to_surface({0, 0, static_cast<LONG>(mode_.width), static_cast<LONG>(mode_.height)});
    return hr;
  }

  // IUnknown
  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** object) override {
    if (!object) return E_POINTER;
    if (riid == __uuidof(IUnknown) || riid == __uuidof(IDXGIObject) ||
        riid == __uuidof(IDXGIOutputDuplication)) {
      AddRef();
      *object = static_cast<IDXGIOutputDuplication*>(this);
      return S_OK;
    }
    *object = nullptr;
    return E_NOINTERFACE;
  }
  ULONG STDMETHODCALLTYPE AddRef() override { return ++refs_; }
  ULONG STDMETHODCALLTYPE Release() override {
    const ULONG left = --refs_;
    if (left == 0) {
      const auto state = state_;  // outlives this object and the lock
      std::lock_guard lock(state->mutex);
      delete this;
    }
    return left;
  }

  // IDXGIObject: nothing the backend needs.
  HRESULT STDMETHODCALLTYPE SetPrivateData(REFGUID, UINT, const void*) override { return E_NOTIMPL; }
  HRESULT STDMETHODCALLTYPE SetPrivateDataInterface(REFGUID, const IUnknown*) override { return E_NOTIMPL; }
  HRESULT STDMETHODCALLTYPE GetPrivateData(REFGUID, UINT*, void*) override { return E_NOTIMPL; }
  HRESULT STDMETHODCALLTYPE GetParent(REFIID, void** parent) override {
    if (parent) *parent = nullptr;
    return E_NOINTERFACE;
  }

  // IDXGIOutputDuplication
  void STDMETHODCALLTYPE GetDesc(DXGI_OUTDUPL_DESC* desc) override {
    *desc = {};
    desc->ModeDesc.Width = mode_.width;
    desc->ModeDesc.Height = mode_.height;
    desc->ModeDesc.RefreshRate = {60, 1};
    desc->ModeDesc.Format = mode_.format;
    desc->Rotation = mode_.rotation;
    desc->DesktopImageInSystemMemory = mode_.system_memory;
  }

  HRESULT STDMETHODCALLTYPE AcquireNextFrame(UINT timeout_ms, DXGI_OUTDUPL_FRAME_INFO* info,
                                             IDXGIResource** resource) override {
    std::unique_lock lock(state_->mutex);
    Counters& c = state_->counters;
    ++c.acquires;
    if (c.timeouts_asked.size() < 1000) c.timeouts_asked.push_back(timeout_ms);
    if (!info || !resource) return invalid("AcquireNextFrame with a null argument", E_INVALIDARG);
    if (lost_)
      return invalid("AcquireNextFrame after ACCESS_LOST (release the duplication and make a new one)",
                     DXGI_ERROR_ACCESS_LOST);
    if (holding_) return invalid("AcquireNextFrame without ReleaseFrame of the previous frame");
    *info = {};
    *resource = nullptr;
    Update update;
    if (initial_) {  // a new duplication starts with the whole image
      initial_ = false;
      update.dirty = {mode_.first_dirty.value_or(
          RECT{0, 0, static_cast<LONG>(mode_.width), static_cast<LONG>(mode_.height)})};
      update.redraw = false;  // the texture was created with it
    } else {
      const auto wait = std::chrono::milliseconds(timeout_ms);
      if (!state_->pushed.wait_for(lock, wait, [&] { return !state_->queue.empty(); })) {
        ++c.timeouts;
        return DXGI_ERROR_WAIT_TIMEOUT;
      }
      update = std::move(state_->queue.front());
      state_->queue.pop_front();
      if (update.lose_access) {
        lost_ = true;
        return DXGI_ERROR_ACCESS_LOST;
      }
      apply(update);
    }
    holding_ = true;
    ++c.frames;
    const bool image = !update.moves.empty() || !update.dirty.empty();
    if (image) {
      info->LastPresentTime = now();
      info->AccumulatedFrames = 1;
      const auto metadata = static_cast<UINT>(update.moves.size() * sizeof(DXGI_OUTDUPL_MOVE_RECT) +
                                              update.dirty.size() * sizeof(RECT));
      info->TotalMetadataBufferSize =
          update.short_metadata ? std::min<UINT>(metadata, sizeof(RECT)) : metadata;
    }
    if (update.pointer || update.shape) {
      if (update.pointer) {
        state_->pointer = *update.pointer;
        state_->pointer_visible = update.pointer_visible;
      }
      info->LastMouseUpdateTime = now();  // the position is always supplied with a mouse update
      info->PointerPosition.Position = state_->pointer;
      info->PointerPosition.Visible = state_->pointer_visible;
    }
    if (update.shape) info->PointerShapeBufferSize = static_cast<UINT>(update.shape->data.size());
    frame_ = std::move(update);
    texture_->QueryInterface(__uuidof(IDXGIResource), reinterpret_cast<void**>(resource));
    return S_OK;
  }

  HRESULT STDMETHODCALLTYPE GetFrameDirtyRects(UINT size, RECT* buffer, UINT* required) override {
    std::lock_guard lock(state_->mutex);
    return copy_out("GetFrameDirtyRects", frame_.dirty, size, buffer, required);
  }

  HRESULT STDMETHODCALLTYPE GetFrameMoveRects(UINT size, DXGI_OUTDUPL_MOVE_RECT* buffer,
                                              UINT* required) override {
    std::lock_guard lock(state_->mutex);
    return copy_out("GetFrameMoveRects", frame_.moves, size, buffer, required);
  }

  HRESULT STDMETHODCALLTYPE GetFramePointerShape(UINT size, void* buffer, UINT* required,
                                                 DXGI_OUTDUPL_POINTER_SHAPE_INFO* info) override {
    std::lock_guard lock(state_->mutex);
    if (const HRESULT hr = check_frame("GetFramePointerShape"); FAILED(hr)) return hr;
    if (!required || !info) return invalid("GetFramePointerShape with a null argument", E_INVALIDARG);
    if (!frame_.shape)
      return invalid("GetFramePointerShape in a frame without a new shape (PointerShapeBufferSize 0)");
    const PointerShape& s = *frame_.shape;
    *required = static_cast<UINT>(s.data.size());
    if (size < *required) {
      ++state_->counters.more_data;
      return DXGI_ERROR_MORE_DATA;
    }
    if (!buffer) return invalid("GetFramePointerShape with a null buffer", E_INVALIDARG);
    std::memcpy(buffer, s.data.data(), s.data.size());
    *info = {s.type, s.width, s.height, s.pitch, s.hotspot};
    return S_OK;
  }

  HRESULT STDMETHODCALLTYPE MapDesktopSurface(DXGI_MAPPED_RECT* rect) override {
    std::lock_guard lock(state_->mutex);
    if (const HRESULT hr = check_frame("MapDesktopSurface"); FAILED(hr)) return hr;
    if (!mode_.system_memory)
      return invalid("MapDesktopSurface while DesktopImageInSystemMemory is FALSE", DXGI_ERROR_UNSUPPORTED);
    if (mapped_) return invalid("MapDesktopSurface while already mapped");
    if (!rect) return invalid("MapDesktopSurface with a null argument", E_INVALIDARG);
    mapped_ = true;
    ++state_->counters.maps;
    rect->Pitch = static_cast<INT>(surface_pitch_);
    rect->pBits = surface_.data();
    return S_OK;
  }

  HRESULT STDMETHODCALLTYPE UnMapDesktopSurface() override {
    std::lock_guard lock(state_->mutex);
    if (!mapped_) return invalid("UnMapDesktopSurface without a map");
    mapped_ = false;
    return S_OK;
  }

  HRESULT STDMETHODCALLTYPE ReleaseFrame() override {
    std::lock_guard lock(state_->mutex);
    if (lost_) return invalid("ReleaseFrame after ACCESS_LOST", DXGI_ERROR_ACCESS_LOST);
    if (!holding_) return invalid("ReleaseFrame without a frame (released twice?)");
    if (mapped_) {
      state_->violation("ReleaseFrame while the desktop surface is still mapped");
      mapped_ = false;
    }
    holding_ = false;
    return S_OK;
  }

 private:
  HRESULT invalid(std::string what, HRESULT hr = DXGI_ERROR_INVALID_CALL) {
    state_->violation(std::move(what));
    return hr;
  }

  HRESULT check_frame(const char* call) {
    if (lost_) return invalid(std::string(call) + " after ACCESS_LOST", DXGI_ERROR_ACCESS_LOST);
    if (!holding_) return invalid(std::string(call) + " without owning a frame");
    return S_OK;
  }

  template <class T>
  HRESULT copy_out(const char* call, const std::vector<T>& items, UINT size, T* buffer, UINT* required) {
    if (const HRESULT hr = check_frame(call); FAILED(hr)) return hr;
    if (!required) return invalid(std::string(call) + " with a null argument", E_INVALIDARG);
    *required = static_cast<UINT>(items.size() * sizeof(T));
    if (size < *required) {
      ++state_->counters.more_data;
      return DXGI_ERROR_MORE_DATA;
    }
    if (!buffer) return invalid(std::string(call) + " with a null buffer", E_INVALIDARG);
    std::copy(items.begin(), items.end(), buffer);
    return S_OK;
  }

  // The "OS" draws one update: moves first, then the dirty rects, on the CPU image and on the
  // texture (the GPU), or into the system-memory surface.
  void apply(const Update& u) {
    const UINT bpp = bytes_per_pixel(mode_.format), pitch = state_->pitch();
    std::vector<std::uint8_t>& image = state_->image;
    for (const DXGI_OUTDUPL_MOVE_RECT& m : u.moves) {
      const RECT& d = m.DestinationRect;
      const auto w = static_cast<UINT>(d.right - d.left), h = static_cast<UINT>(d.bottom - d.top);
      std::vector<std::uint8_t> block(std::size_t{w} * bpp * h);
      for (UINT y = 0; y < h; ++y)
        std::memcpy(&block[std::size_t{y} * w * bpp],
                    &image[std::size_t(m.SourcePoint.y + static_cast<LONG>(y)) * pitch +
                           std::size_t(m.SourcePoint.x) * bpp],
                    std::size_t{w} * bpp);
      for (UINT y = 0; y < h; ++y)
        std::memcpy(&image[std::size_t(d.top + static_cast<LONG>(y)) * pitch + std::size_t(d.left) * bpp],
                    &block[std::size_t{y} * w * bpp], std::size_t{w} * bpp);
      if (!mode_.system_memory) {  // through a scratch copy: source and destination may overlap
        context_->CopyResource(scratch_.get(), texture_.get());
        const D3D11_BOX box{
            static_cast<UINT>(m.SourcePoint.x),     static_cast<UINT>(m.SourcePoint.y),     0,
            static_cast<UINT>(m.SourcePoint.x) + w, static_cast<UINT>(m.SourcePoint.y) + h, 1};
        context_->CopySubresourceRegion(texture_.get(), 0, static_cast<UINT>(d.left),
                                        static_cast<UINT>(d.top), 0, scratch_.get(), 0, &box);
      }
      copy_to_surface(d);
    }
    if (!u.redraw) return;
    for (const RECT& r : u.dirty) {
      state_->redraw(r, u.seed);
      if (!mode_.system_memory) {
        const D3D11_BOX box{static_cast<UINT>(r.left),  static_cast<UINT>(r.top),    0,
                            static_cast<UINT>(r.right), static_cast<UINT>(r.bottom), 1};
        context_->UpdateSubresource(texture_.get(), 0, &box,
                                    &image[std::size_t(r.top) * pitch + std::size_t(r.left) * bpp], pitch, 0);
      }
      copy_to_surface(r);
    }
  }

  void copy_to_surface(const RECT& r) {
    const UINT bpp = bytes_per_pixel(mode_.format), pitch = state_->pitch();
    for (LONG y = r.top; y < r.bottom; ++y)
      std::memcpy(&surface_[std::size_t(y) * surface_pitch_ + std::size_t(r.left) * bpp],
                  &state_->image[std::size_t(y) * pitch + std::size_t(r.left) * bpp],
                  std::size_t(r.right - r.left) * bpp);
  }

  std::shared_ptr<FakeDesktop::State> state_;
  Mode mode_;
  std::atomic<ULONG> refs_{1};
  ComPtr<ID3D11Device> device_;
  ComPtr<ID3D11DeviceContext> context_;
  ComPtr<ID3D11Texture2D> texture_, scratch_;
  std::vector<std::uint8_t> surface_;  // the system-memory image
  UINT surface_pitch_ = 0;
  bool initial_ = true, holding_ = false, mapped_ = false, lost_ = false;
  Update frame_;  // what the held frame carries
};

}  // namespace

FakeDesktop::FakeDesktop(Mode mode) : state_(std::make_shared<State>()) { set_mode(mode); }

void FakeDesktop::set_mode(const Mode& mode) {
  std::lock_guard lock(state_->mutex);
  state_->mode = mode;
  state_->image.assign(std::size_t{state_->pitch()} * mode.height, 0);
  state_->redraw({0, 0, static_cast<LONG>(mode.width), static_cast<LONG>(mode.height)}, mode.seed);
}

capture::dxgi::DuplicationFactory FakeDesktop::factory() {
  return [state = state_](const capture::dxgi::DuplicationRequest& request, capture::dxgi::Duplication* out) {
    std::lock_guard lock(state->mutex);
    if (!request.device) {
      state->violation("the factory was called without a device");
      return E_INVALIDARG;
    }
    // Microsoft: after ACCESS_LOST, release the duplication, then create a new one.
    if (state->live > 0) state->violation("a new duplication while the previous one is still alive");
    auto* duplication = new FakeDuplication(state, request.device);
    if (const HRESULT hr = duplication->create(); FAILED(hr)) {
      state->violation("creating the desktop texture failed");
      delete duplication;  // not Release(): that takes the lock held here
      return hr;
    }
    *out->duplication.put() = duplication;
    out->color_space = state->mode.color_space;
    ++state->counters.duplications;
    return S_OK;
  };
}

void FakeDesktop::push(Update update) {
  {
    std::lock_guard lock(state_->mutex);
    state_->queue.push_back(std::move(update));
  }
  state_->pushed.notify_all();
}

bool FakeDesktop::drained() const {
  std::lock_guard lock(state_->mutex);
  return state_->queue.empty();
}

std::vector<std::uint8_t> FakeDesktop::image() const {
  std::lock_guard lock(state_->mutex);
  return state_->image;
}

Mode FakeDesktop::mode() const {
  std::lock_guard lock(state_->mutex);
  return state_->mode;
}

Counters FakeDesktop::counters() const {
  std::lock_guard lock(state_->mutex);
  return state_->counters;
}

std::vector<std::string> FakeDesktop::violations() const {
  std::lock_guard lock(state_->mutex);
  return state_->violations;
}

}  // namespace kagami::wine_test
