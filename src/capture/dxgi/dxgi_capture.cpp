#include "capture/dxgi/dxgi_capture.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "capture/dxgi/duplication.h"
#include "capture/dxgi/dxgi_convert.h"
#include "protocol/kvmfr_frame.h"

namespace kagami::capture {
namespace {

using dxgi::ComPtr;

std::string narrow(const wchar_t* text) {
  const int n = WideCharToMultiByte(CP_UTF8, 0, text, -1, nullptr, 0, nullptr, nullptr);
  std::string out(n > 0 ? static_cast<std::size_t>(n - 1) : 0, '\0');
  WideCharToMultiByte(CP_UTF8, 0, text, -1, out.data(), n, nullptr, nullptr);
  return out;
}

std::string hresult(HRESULT hr) { return fmt::format("0x{:08X}", static_cast<std::uint32_t>(hr)); }

// What a failed DuplicateOutput means for the user.
std::string duplicate_error(HRESULT hr) {
  switch (hr) {
    case E_NOTIMPL:
      return "DuplicateOutput is not implemented (E_NOTIMPL " + hresult(hr) +
             "): Wine or a Windows without Desktop "
             "Duplication; use --capture gdi";
    case E_ACCESSDENIED:
      return "DuplicateOutput was refused (E_ACCESSDENIED): the secure desktop (UAC, login) is showing or "
             "the agent "
             "does not run in the user's session; the service retries";
    case DXGI_ERROR_UNSUPPORTED:
      return "DuplicateOutput is not supported on this adapter (DXGI_ERROR_UNSUPPORTED): e.g. a hybrid-GPU "
             "laptop "
             "or a software adapter";
    case DXGI_ERROR_NOT_CURRENTLY_AVAILABLE:
      return "DuplicateOutput: too many applications already duplicate this output "
             "(DXGI_ERROR_NOT_CURRENTLY_AVAILABLE); close other capture tools";
    case DXGI_ERROR_SESSION_DISCONNECTED:
      return "DuplicateOutput: the session is disconnected (DXGI_ERROR_SESSION_DISCONNECTED)";
    default:
      return "DuplicateOutput failed with " + hresult(hr);
  }
}

// Reads one of the frame's rect lists into `buffer`, growing it once if DXGI answers
// DXGI_ERROR_MORE_DATA (the size hint was short). Returns the number of entries.
template <class T, class Call>
HRESULT read_rects(Call call, UINT size_hint, std::vector<T>* buffer, std::size_t* count) {
  *count = 0;
  if (buffer->size() * sizeof(T) < size_hint) buffer->resize((size_hint + sizeof(T) - 1) / sizeof(T));
  if (buffer->empty()) buffer->resize(1);  // a null buffer is E_INVALIDARG
  UINT required = 0;
  HRESULT hr = call(static_cast<UINT>(buffer->size() * sizeof(T)), buffer->data(), &required);
  if (hr == DXGI_ERROR_MORE_DATA) {
    buffer->resize((required + sizeof(T) - 1) / sizeof(T));
    hr = call(static_cast<UINT>(buffer->size() * sizeof(T)), buffer->data(), &required);
  }
  if (SUCCEEDED(hr)) *count = std::min<std::size_t>(required / sizeof(T), buffer->size());
  return hr;
}

class DxgiCapture final : public CaptureBackend {
 public:
  DxgiCapture(DxgiOptions options, dxgi::DuplicationFactory factory)
      : options_(std::move(options)), factory_(std::move(factory)) {}
  ~DxgiCapture() override { release(); }

  std::string_view name() const override { return "dxgi"; }

  Result<void> start() override {
    release();
    ComPtr<IDXGIFactory1> factory;
    HRESULT hr = CreateDXGIFactory1(__uuidof(IDXGIFactory1), reinterpret_cast<void**>(factory.put()));
    if (FAILED(hr)) return fail("CreateDXGIFactory1 failed with " + hresult(hr));

    // Every output of every adapter, in enumeration order.
    std::vector<dxgi::OutputInfo> infos;
    std::vector<std::pair<ComPtr<IDXGIAdapter1>, ComPtr<IDXGIOutput>>> handles;
    for (UINT a = 0;; ++a) {
      ComPtr<IDXGIAdapter1> adapter;
      if (factory->EnumAdapters1(a, adapter.put()) == DXGI_ERROR_NOT_FOUND) break;
      DXGI_ADAPTER_DESC1 adapter_desc{};
      adapter->GetDesc1(&adapter_desc);
      for (UINT o = 0;; ++o) {
        ComPtr<IDXGIOutput> output;
        if (adapter->EnumOutputs(o, output.put()) == DXGI_ERROR_NOT_FOUND) break;
        DXGI_OUTPUT_DESC desc{};
        output->GetDesc(&desc);
        dxgi::OutputInfo info;
        info.adapter_index = a;
        info.output_index = o;
        info.adapter = narrow(adapter_desc.Description);
        info.device_name = narrow(desc.DeviceName);
        info.attached = desc.AttachedToDesktop;
        info.desktop = {desc.DesktopCoordinates.left, desc.DesktopCoordinates.top,
                        desc.DesktopCoordinates.right, desc.DesktopCoordinates.bottom};
        info.software = (adapter_desc.Flags & DXGI_ADAPTER_FLAG_SOFTWARE) != 0;
        infos.push_back(info);
        ComPtr<IDXGIAdapter1> adapter_ref;
        adapter->QueryInterface(__uuidof(IDXGIAdapter1), reinterpret_cast<void**>(adapter_ref.put()));
        handles.emplace_back(std::move(adapter_ref), std::move(output));
      }
    }
    auto choice = dxgi::choose_output(infos, options_.output, options_.expected_gpu);
    if (!choice) return fail(choice.error().message);
    if (!announced_) {  // once, not after every ACCESS_LOST
      for (const auto& notice : choice->notices) {
        if (notice.starts_with("warning")) {
          spdlog::warn("dxgi: {}", notice);
        } else {
          spdlog::info("dxgi: {}", notice);
        }
      }
      announced_ = true;
    }
    auto& [adapter, output] = handles[choice->index];
    desktop_origin_ = {infos[choice->index].desktop.left, infos[choice->index].desktop.top};
    output_.reset();
    if (!options_.output.empty()) {  // one of several outputs: the region says which (KGMO)
      auto record = dxgi::output_record(infos, choice->index);
      if (!record) return fail(record.error().message);
      output_ = std::move(*record);
    }

    static const D3D_FEATURE_LEVEL kLevels[] = {D3D_FEATURE_LEVEL_11_1, D3D_FEATURE_LEVEL_11_0,
                                                D3D_FEATURE_LEVEL_10_1, D3D_FEATURE_LEVEL_10_0};
    hr = D3D11CreateDevice(adapter.get(), D3D_DRIVER_TYPE_UNKNOWN, nullptr, D3D11_CREATE_DEVICE_BGRA_SUPPORT,
                           kLevels, static_cast<UINT>(std::size(kLevels)), D3D11_SDK_VERSION, device_.put(),
                           nullptr, context_.put());
    if (FAILED(hr)) return fail("D3D11CreateDevice failed with " + hresult(hr));

    // Refusals that pass by themselves (secure desktop showing, a session switch in progress,
    // another duplication closing) are retried for a moment before giving up.
    const dxgi::DuplicationRequest request{adapter.get(), output.get(), device_.get(), options_.hdr};
    dxgi::Duplication duplication;
    for (int attempt = 0;; ++attempt) {
      hr = factory_(request, &duplication);
      const bool transient = hr == E_ACCESSDENIED || hr == DXGI_ERROR_NOT_CURRENTLY_AVAILABLE ||
                             hr == DXGI_ERROR_SESSION_DISCONNECTED;
      if (!transient || attempt == 20) break;
      Sleep(100);
    }
    if (FAILED(hr) || !duplication.duplication) return fail(duplicate_error(FAILED(hr) ? hr : E_POINTER));
    duplication_ = std::move(duplication.duplication);
    color_space_ = duplication.color_space;

    duplication_->GetDesc(&desc_);
    // The surface's own size and format decide the frame (see take_image); the mode is logged.
    surface_ = {};
    spdlog::info("dxgi: duplicating a {}x{} mode, format {}, rotation {}{}", desc_.ModeDesc.Width,
                 desc_.ModeDesc.Height, static_cast<std::uint32_t>(desc_.ModeDesc.Format),
                 static_cast<std::uint32_t>(desc_.Rotation),
                 desc_.DesktopImageInSystemMemory ? ", image in system memory (MapDesktopSurface)" : "");
    return {};
  }

  CaptureStatus capture(std::chrono::milliseconds timeout, CaptureEvent* event) override {
    *event = CaptureEvent{};
    if (!duplication_) return CaptureStatus::reinit;
    // The previous frame is held until now, as Microsoft recommends: released just before the
    // next acquire, so DXGI accumulates the updates in between into one frame.
    release_frame();
    DXGI_OUTDUPL_FRAME_INFO info{};
    ComPtr<IDXGIResource> resource;
    // Blocks in the driver until the desktop or the pointer changes: no spinning.
    const HRESULT hr =
        duplication_->AcquireNextFrame(static_cast<UINT>(timeout.count()), &info, resource.put());
    if (hr == DXGI_ERROR_WAIT_TIMEOUT) return CaptureStatus::timeout;
    if (hr == DXGI_ERROR_ACCESS_LOST || hr == DXGI_ERROR_INVALID_CALL) return lost(hr);
    if (FAILED(hr)) {
      error_ = "AcquireNextFrame failed with " + hresult(hr);
      return CaptureStatus::error;
    }
    holding_frame_ = true;

    // LastPresentTime 0: the image did not change since the last acquire (a pointer-only
    // frame); the surface and its rects are not to be read then.
    if (info.LastPresentTime.QuadPart != 0) {
      if (const CaptureStatus s = take_image(resource, info, event); s != CaptureStatus::ok) return s;
    }
    // LastMouseUpdateTime 0: neither position nor shape changed. Otherwise the position is
    // always valid, and a new shape comes with PointerShapeBufferSize > 0.
    auto pointer =
        dxgi::pointer_update({info.LastMouseUpdateTime.QuadPart, info.PointerPosition.Position.x,
                              info.PointerPosition.Position.y, info.PointerPosition.Visible != FALSE});
    if (pointer) pointer_visible_ = pointer->visible;
    if (info.PointerShapeBufferSize > 0) {
      if (!pointer) {
        pointer.emplace();
        pointer->visible = pointer_visible_;
      }
      pointer->shape = read_pointer_shape(info.PointerShapeBufferSize);
    }
    if (pointer) event->cursor = std::move(pointer);
    return event->frame || event->cursor ? CaptureStatus::ok : CaptureStatus::timeout;
  }

  CaptureStatus read_pixels(const FrameTarget& target, std::span<const Rect> rects) override {
    if (!surface_.ready) {
      error_ = "read_pixels before any frame";
      return CaptureStatus::error;
    }
    const std::uint32_t row_bytes = format_.pitch;
    if (target.pitch < row_bytes) {
      error_ =
          fmt::format("frame slot pitch {} is below the frame's {} bytes per row", target.pitch, row_bytes);
      return CaptureStatus::error;
    }
    // Only the rows that fit: a slot smaller than the frame carries a TRUNCATED frame.
    const auto rows = static_cast<std::uint32_t>(
        std::min<std::uint64_t>(format_.height, target.pixels.size() / target.pitch));
    const std::byte* source = nullptr;
    std::uint64_t source_pitch = 0;
    if (desc_.DesktopImageInSystemMemory) {
      source = shadow_.data();
      source_pitch = row_bytes;
    } else {
      D3D11_MAPPED_SUBRESOURCE mapped{};
      const HRESULT hr = context_->Map(staging_.get(), 0, D3D11_MAP_READ, 0, &mapped);
      if (FAILED(hr)) {
        error_ = "mapping the staging texture failed with " + hresult(hr);
        return hr == DXGI_ERROR_DEVICE_REMOVED ? CaptureStatus::reinit : CaptureStatus::error;
      }
      source = static_cast<const std::byte*>(mapped.pData);
      source_pitch = mapped.RowPitch;
    }
    std::vector<Rect> sorted(rects.begin(), rects.end());
    if (sorted.empty()) sorted.push_back({0, 0, format_.width, format_.height});
    std::sort(sorted.begin(), sorted.end(), [](const Rect& a, const Rect& b) { return a.y < b.y; });
    const std::uint32_t bpp = layout_.bytes_per_pixel;
    for (std::size_t i = 0; i < sorted.size(); ++i) {
      const Rect& r = sorted[i];
      const std::uint32_t x = std::min(r.x, format_.width), w = std::min(r.width, format_.width - x);
      const std::uint32_t y0 = std::min(r.y, rows), h = std::min(r.height, rows - y0);
      for (std::uint32_t y = y0; y < y0 + h; ++y) {
        std::memcpy(target.pixels.data() + std::uint64_t{y} * target.pitch + std::uint64_t{x} * bpp,
                    source + y * source_pitch + std::uint64_t{x} * bpp, std::size_t{w} * bpp);
        if (target.progress && (y + 1) % 64 == 0) {
          std::uint32_t final_rows = y + 1;
          for (std::size_t j = i + 1; j < sorted.size(); ++j) final_rows = std::min(final_rows, sorted[j].y);
          target.progress(std::uint64_t{final_rows} * target.pitch);
        }
      }
    }
    if (!desc_.DesktopImageInSystemMemory) context_->Unmap(staging_.get(), 0);
    if (target.progress) target.progress(std::uint64_t{rows} * target.pitch);
    return CaptureStatus::ok;
  }

  // The client's coordinates are the frame's pixels; SetCursorPos takes virtual-desktop ones,
  // where a secondary output does not start at 0,0.
  void set_cursor_position(std::int32_t x, std::int32_t y) override {
    SetCursorPos(x + desktop_origin_.x, y + desktop_origin_.y);
  }

  std::string last_error() const override { return error_; }
  std::optional<protocol::OutputInfo> output() const override { return output_; }

 private:
  // What the acquired surface is; a change of any of these is a new frame format.
  struct Surface {
    bool ready = false;
    UINT width = 0, height = 0;
    DXGI_FORMAT format = DXGI_FORMAT_UNKNOWN;
  };

  Result<void> fail(std::string message) {
    error_ = std::move(message);
    release();
    return Error{"dxgi capture: " + error_};
  }

  CaptureStatus lost(HRESULT hr) {
    error_ =
        "desktop duplication lost (" + hresult(hr) + "): mode change, secure desktop or fullscreen switch";
    return CaptureStatus::reinit;
  }

  void release_frame() {
    if (holding_frame_) duplication_->ReleaseFrame();
    holding_frame_ = false;
  }

  // A frame with a new desktop image: its format (from the surface itself: DuplicateOutput
  // always hands out B8G8R8A8 whatever ModeDesc says, and a rotated mode's surface is the
  // unrotated one), its damage, and its pixels into the staging texture or, when the image is
  // in system memory, the damaged rects into the shadow copy.
  CaptureStatus take_image(const ComPtr<IDXGIResource>& resource, const DXGI_OUTDUPL_FRAME_INFO& info,
                           CaptureEvent* event) {
    ComPtr<ID3D11Texture2D> texture;
    if (!resource || FAILED(resource.as(&texture))) {
      error_ = "the acquired frame is not a 2D texture";
      return CaptureStatus::reinit;
    }
    D3D11_TEXTURE2D_DESC texture_desc{};
    texture->GetDesc(&texture_desc);
    bool full = false;
    if (!surface_.ready || texture_desc.Width != surface_.width || texture_desc.Height != surface_.height ||
        texture_desc.Format != surface_.format) {
      auto layout = dxgi::pixel_layout(static_cast<dxgi::Format>(texture_desc.Format),
                                       static_cast<dxgi::ColorSpace>(color_space_));
      if (!layout) {
        error_ = layout.error().message;
        return CaptureStatus::error;
      }
      layout_ = *layout;
      surface_ = {true, texture_desc.Width, texture_desc.Height, texture_desc.Format};
      format_ = FrameFormat{layout_.type,
                            texture_desc.Width,
                            texture_desc.Height,
                            texture_desc.Width * layout_.bytes_per_pixel,
                            dxgi::frame_rotation(static_cast<dxgi::Rotation>(desc_.Rotation)),
                            layout_.hdr,
                            layout_.hdr_pq};
      staging_.reset();
      shadow_.assign(std::size_t{format_.pitch} * format_.height, std::byte{0});
      full = true;
      spdlog::info("dxgi: desktop surface {}x{} format {} -> {}{}", format_.width, format_.height,
                   static_cast<std::uint32_t>(texture_desc.Format), protocol::frame_type_name(format_.type),
                   layout_.hdr ? (layout_.hdr_pq ? " HDR10 (PQ)" : " HDR scRGB") : "");
    }

    event->frame = true;
    event->format = format_;
    event->full_damage = true;
    // The first frame of a surface is copied whole whatever its rects say: after a (re)start
    // nothing tells what changed while there was no duplication.
    if (!full && info.TotalMetadataBufferSize > 0) {
      std::vector<Rect> damage;
      const CaptureStatus s = read_damage(info.TotalMetadataBufferSize, &damage);
      if (s == CaptureStatus::reinit) return s;
      if (s == CaptureStatus::ok) {
        event->damage = std::move(damage);
        event->full_damage = false;
      }
    }

    if (desc_.DesktopImageInSystemMemory) {
      return update_shadow(full || event->full_damage ? std::span<const Rect>{} : event->damage);
    }
    if (!staging_) {
      D3D11_TEXTURE2D_DESC desc = texture_desc;
      desc.Usage = D3D11_USAGE_STAGING;
      desc.BindFlags = 0;
      desc.CPUAccessFlags = D3D11_CPU_ACCESS_READ;
      desc.MiscFlags = 0;
      desc.MipLevels = 1;
      desc.ArraySize = 1;
      desc.SampleDesc = {1, 0};
      const HRESULT hr = device_->CreateTexture2D(&desc, nullptr, staging_.put());
      if (FAILED(hr)) {
        error_ = "creating the staging texture failed with " + hresult(hr);
        return CaptureStatus::reinit;
      }
    }
    context_->CopyResource(staging_.get(), texture.get());
    return CaptureStatus::ok;
  }

  // Move rects, then dirty rects (Microsoft's order for applying them; here both only say which
  // pixels of the final image changed). ok: `damage` filled; timeout: unknown, copy everything;
  // reinit: the duplication was lost meanwhile.
  CaptureStatus read_damage(UINT size_hint, std::vector<Rect>* damage) {
    std::size_t move_count = 0, dirty_count = 0;
    HRESULT hr =
        read_rects([&](UINT size, DXGI_OUTDUPL_MOVE_RECT* buffer,
                       UINT* required) { return duplication_->GetFrameMoveRects(size, buffer, required); },
                   size_hint, &moves_, &move_count);
    if (SUCCEEDED(hr)) {
      hr =
          read_rects([&](UINT size, RECT* buffer,
                         UINT* required) { return duplication_->GetFrameDirtyRects(size, buffer, required); },
                     size_hint, &dirty_, &dirty_count);
    }
    if (hr == DXGI_ERROR_ACCESS_LOST) return lost(hr);
    if (FAILED(hr)) {
      spdlog::debug("dxgi: frame rects unreadable ({}): copying the whole frame", hresult(hr));
      return CaptureStatus::timeout;
    }
    static_assert(sizeof(dxgi::MoveRect) == sizeof(DXGI_OUTDUPL_MOVE_RECT) &&
                  sizeof(dxgi::DxRect) == sizeof(RECT));
    *damage = dxgi::damage_from_metadata({reinterpret_cast<const dxgi::MoveRect*>(moves_.data()), move_count},
                                         {reinterpret_cast<const dxgi::DxRect*>(dirty_.data()), dirty_count},
                                         format_.width, format_.height);
    return CaptureStatus::ok;
  }

  // The image is already in system memory: copy what changed (all of it when `rects` is empty)
  // into the shadow copy while the frame is held. read_pixels may run after the frame was
  // released (the agent captures again while a frame waits for a slot), so it reads the shadow.
  CaptureStatus update_shadow(std::span<const Rect> rects) {
    DXGI_MAPPED_RECT mapped{};
    const HRESULT hr = duplication_->MapDesktopSurface(&mapped);
    if (hr == DXGI_ERROR_ACCESS_LOST) return lost(hr);
    if (FAILED(hr) || !mapped.pBits || mapped.Pitch < 0 || static_cast<UINT>(mapped.Pitch) < format_.pitch) {
      error_ = "MapDesktopSurface failed with " + hresult(FAILED(hr) ? hr : E_POINTER);
      if (SUCCEEDED(hr)) duplication_->UnMapDesktopSurface();
      return CaptureStatus::error;
    }
    const Rect all{0, 0, format_.width, format_.height};
    const std::span<const Rect> what = rects.empty() ? std::span<const Rect>(&all, 1) : rects;
    const std::uint32_t bpp = layout_.bytes_per_pixel;
    for (const Rect& r : what) {  // clipped by damage_from_metadata
      for (std::uint32_t y = r.y; y < r.y + r.height; ++y) {
        std::memcpy(
            shadow_.data() + std::uint64_t{y} * format_.pitch + std::uint64_t{r.x} * bpp,
            mapped.pBits + std::uint64_t{y} * static_cast<UINT>(mapped.Pitch) + std::uint64_t{r.x} * bpp,
            std::size_t{r.width} * bpp);
      }
    }
    duplication_->UnMapDesktopSurface();
    return CaptureStatus::ok;
  }

  std::optional<protocol::CursorShape> read_pointer_shape(UINT size) {
    shape_buffer_.resize(std::max<UINT>(size, 1));
    DXGI_OUTDUPL_POINTER_SHAPE_INFO info{};
    UINT used = 0;
    HRESULT hr = duplication_->GetFramePointerShape(static_cast<UINT>(shape_buffer_.size()),
                                                    shape_buffer_.data(), &used, &info);
    if (hr == DXGI_ERROR_MORE_DATA) {
      shape_buffer_.resize(used);
      hr = duplication_->GetFramePointerShape(static_cast<UINT>(shape_buffer_.size()), shape_buffer_.data(),
                                              &used, &info);
    }
    if (FAILED(hr)) {
      spdlog::debug("dxgi: GetFramePointerShape failed with {}", hresult(hr));
      return std::nullopt;
    }
    auto shape = dxgi::cursor_shape_from_dxgi(
        {info.Type, info.Width, info.Height, info.Pitch, info.HotSpot.x, info.HotSpot.y},
        std::span<const std::uint8_t>(shape_buffer_.data(),
                                      std::min<std::size_t>(used, shape_buffer_.size())));
    if (!shape) {
      spdlog::warn("dxgi: pointer shape skipped: {}", shape.error().message);
      return std::nullopt;
    }
    return std::move(shape).value();
  }

  void release() {
    if (duplication_) release_frame();
    holding_frame_ = false;
    staging_.reset();
    duplication_.reset();
    context_.reset();
    device_.reset();
    surface_ = {};
  }

  DxgiOptions options_;
  dxgi::DuplicationFactory factory_;
  std::string error_;
  bool announced_ = false;
  POINT desktop_origin_{0, 0};
  std::optional<protocol::OutputInfo> output_;  // with --output: the duplicated output's place
  ComPtr<ID3D11Device> device_;
  ComPtr<ID3D11DeviceContext> context_;
  ComPtr<IDXGIOutputDuplication> duplication_;
  DXGI_OUTDUPL_DESC desc_{};
  DXGI_COLOR_SPACE_TYPE color_space_ = DXGI_COLOR_SPACE_RGB_FULL_G22_NONE_P709;
  ComPtr<ID3D11Texture2D> staging_;
  std::vector<std::byte> shadow_;  // the image when it is in system memory
  bool holding_frame_ = false;
  bool pointer_visible_ = false;  // the last visibility DXGI reported
  Surface surface_;
  dxgi::PixelLayout layout_;
  FrameFormat format_;
  std::vector<DXGI_OUTDUPL_MOVE_RECT> moves_;
  std::vector<RECT> dirty_;
  std::vector<std::uint8_t> shape_buffer_;
};

}  // namespace

namespace dxgi {

HRESULT duplicate_output(const DuplicationRequest& request, Duplication* out) {
  ComPtr<IDXGIOutput6> output6;
  if (request.output->QueryInterface(__uuidof(IDXGIOutput6), reinterpret_cast<void**>(output6.put())) ==
      S_OK) {
    DXGI_OUTPUT_DESC1 desc1{};
    if (SUCCEEDED(output6->GetDesc1(&desc1))) out->color_space = desc1.ColorSpace;
  }
  // DuplicateOutput1 lets the desktop stay in its HDR format; DuplicateOutput converts to BGRA.
  ComPtr<IDXGIOutput5> output5;
  if (request.output->QueryInterface(__uuidof(IDXGIOutput5), reinterpret_cast<void**>(output5.put())) ==
      S_OK) {
    std::vector<DXGI_FORMAT> formats;
    if (request.hdr) formats = {DXGI_FORMAT_R16G16B16A16_FLOAT, DXGI_FORMAT_R10G10B10A2_UNORM};
    formats.push_back(DXGI_FORMAT_B8G8R8A8_UNORM);
    return output5->DuplicateOutput1(request.device, 0, static_cast<UINT>(formats.size()), formats.data(),
                                     out->duplication.put());
  }
  ComPtr<IDXGIOutput1> output1;
  const HRESULT hr =
      request.output->QueryInterface(__uuidof(IDXGIOutput1), reinterpret_cast<void**>(output1.put()));
  return SUCCEEDED(hr) ? output1->DuplicateOutput(request.device, out->duplication.put()) : hr;
}

std::unique_ptr<CaptureBackend> make_dxgi_capture(const DxgiOptions& options, DuplicationFactory factory) {
  return std::make_unique<DxgiCapture>(options, std::move(factory));
}

}  // namespace dxgi

std::unique_ptr<CaptureBackend> make_dxgi_capture(const DxgiOptions& options) {
  return dxgi::make_dxgi_capture(options, dxgi::duplicate_output);
}

}  // namespace kagami::capture
