#include "capture/dxgi/dxgi_capture.h"

// windows.h must come before the other Windows headers.
// clang-format off
#include <windows.h>
#include <d3d11.h>
#include <dxgi1_2.h>
#include <dxgi1_5.h>
#include <dxgi1_6.h>
// clang-format on

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "capture/dxgi/com_ptr.h"
#include "capture/dxgi/dxgi_convert.h"

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

class DxgiCapture final : public CaptureBackend {
 public:
  explicit DxgiCapture(DxgiOptions options) : options_(std::move(options)) {}
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

    static const D3D_FEATURE_LEVEL kLevels[] = {D3D_FEATURE_LEVEL_11_1, D3D_FEATURE_LEVEL_11_0,
                                                D3D_FEATURE_LEVEL_10_1, D3D_FEATURE_LEVEL_10_0};
    hr = D3D11CreateDevice(adapter.get(), D3D_DRIVER_TYPE_UNKNOWN, nullptr, D3D11_CREATE_DEVICE_BGRA_SUPPORT,
                           kLevels, static_cast<UINT>(std::size(kLevels)), D3D11_SDK_VERSION, device_.put(),
                           nullptr, context_.put());
    if (FAILED(hr)) return fail("D3D11CreateDevice failed with " + hresult(hr));

    // Refusals that pass by themselves (secure desktop showing, a session switch in progress,
    // another duplication closing) are retried for a moment before giving up.
    for (int attempt = 0;; ++attempt) {
      hr = duplicate(output);
      const bool transient = hr == E_ACCESSDENIED || hr == DXGI_ERROR_NOT_CURRENTLY_AVAILABLE ||
                             hr == DXGI_ERROR_SESSION_DISCONNECTED;
      if (!transient || attempt == 20) break;
      Sleep(100);
    }
    if (FAILED(hr)) return fail(duplicate_error(hr));

    DXGI_OUTDUPL_DESC desc{};
    duplication_->GetDesc(&desc);
    dxgi::ColorSpace color_space = dxgi::ColorSpace::rgb_full_g22_none_p709;
    ComPtr<IDXGIOutput6> output6;
    if (output.as(&output6) == S_OK) {
      DXGI_OUTPUT_DESC1 desc1{};
      if (SUCCEEDED(output6->GetDesc1(&desc1))) color_space = static_cast<dxgi::ColorSpace>(desc1.ColorSpace);
    }
    auto layout = dxgi::pixel_layout(static_cast<dxgi::Format>(desc.ModeDesc.Format), color_space);
    if (!layout) return fail(layout.error().message);
    layout_ = *layout;
    format_ = FrameFormat{layout_.type,
                          desc.ModeDesc.Width,
                          desc.ModeDesc.Height,
                          desc.ModeDesc.Width * layout_.bytes_per_pixel,
                          dxgi::frame_rotation(static_cast<dxgi::Rotation>(desc.Rotation)),
                          layout_.hdr,
                          layout_.hdr_pq};
    texture_format_ = desc.ModeDesc.Format;
    spdlog::info("dxgi: duplicating {}x{} {}{}", format_.width, format_.height,
                 static_cast<std::uint32_t>(texture_format_),
                 layout_.hdr ? (layout_.hdr_pq ? " HDR10 (PQ)" : " HDR scRGB") : "");
    return {};
  }

  // DuplicateOutput1 lets the desktop stay in its HDR format; DuplicateOutput converts to BGRA.
  HRESULT duplicate(const ComPtr<IDXGIOutput>& output) {
    ComPtr<IDXGIOutput5> output5;
    if (output.as(&output5) == S_OK) {
      std::vector<DXGI_FORMAT> formats;
      if (options_.hdr) formats = {DXGI_FORMAT_R16G16B16A16_FLOAT, DXGI_FORMAT_R10G10B10A2_UNORM};
      formats.push_back(DXGI_FORMAT_B8G8R8A8_UNORM);
      return output5->DuplicateOutput1(device_.get(), 0, static_cast<UINT>(formats.size()), formats.data(),
                                       duplication_.put());
    }
    ComPtr<IDXGIOutput1> output1;
    const HRESULT hr = output.as(&output1);
    return SUCCEEDED(hr) ? output1->DuplicateOutput(device_.get(), duplication_.put()) : hr;
  }

  CaptureStatus capture(std::chrono::milliseconds timeout, CaptureEvent* event) override {
    *event = CaptureEvent{};
    if (!duplication_) return CaptureStatus::reinit;
    if (holding_frame_) {
      duplication_->ReleaseFrame();
      holding_frame_ = false;
    }
    DXGI_OUTDUPL_FRAME_INFO info{};
    ComPtr<IDXGIResource> resource;
    // Blocks in the driver until the desktop changes: no spinning.
    const HRESULT hr =
        duplication_->AcquireNextFrame(static_cast<UINT>(timeout.count()), &info, resource.put());
    if (hr == DXGI_ERROR_WAIT_TIMEOUT) return CaptureStatus::timeout;
    if (hr == DXGI_ERROR_ACCESS_LOST || hr == DXGI_ERROR_INVALID_CALL) {
      error_ =
          "desktop duplication lost (" + hresult(hr) + "): mode change, secure desktop or fullscreen switch";
      return CaptureStatus::reinit;
    }
    if (FAILED(hr)) {
      error_ = "AcquireNextFrame failed with " + hresult(hr);
      return CaptureStatus::error;
    }
    holding_frame_ = true;

    if (info.LastPresentTime.QuadPart != 0) {
      if (!copy_frame(resource, info, event)) return CaptureStatus::reinit;
    }
    auto pointer =
        dxgi::pointer_update({info.LastMouseUpdateTime.QuadPart, info.PointerPosition.Position.x,
                              info.PointerPosition.Position.y, info.PointerPosition.Visible != FALSE});
    if (pointer) pointer_visible_ = pointer->visible;
    if (info.PointerShapeBufferSize > 0) {  // a new shape, possibly without a position update
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
    if (!staging_) {
      error_ = "read_pixels before any frame";
      return CaptureStatus::error;
    }
    const std::uint32_t row_bytes = format_.width * layout_.bytes_per_pixel;
    if (target.pitch < row_bytes) {
      error_ =
          fmt::format("frame slot pitch {} is below the frame's {} bytes per row", target.pitch, row_bytes);
      return CaptureStatus::error;
    }
    // Only the rows that fit: a slot smaller than the frame carries a TRUNCATED frame.
    const auto rows = static_cast<std::uint32_t>(
        std::min<std::uint64_t>(format_.height, target.pixels.size() / target.pitch));
    D3D11_MAPPED_SUBRESOURCE mapped{};
    const HRESULT hr = context_->Map(staging_.get(), 0, D3D11_MAP_READ, 0, &mapped);
    if (FAILED(hr)) {
      error_ = "mapping the staging texture failed with " + hresult(hr);
      return hr == DXGI_ERROR_DEVICE_REMOVED ? CaptureStatus::reinit : CaptureStatus::error;
    }
    const auto* source = static_cast<const std::byte*>(mapped.pData);
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
                    source + std::uint64_t{y} * mapped.RowPitch + std::uint64_t{x} * bpp,
                    std::size_t{w} * bpp);
        if (target.progress && (y + 1) % 64 == 0) {
          std::uint32_t final_rows = y + 1;
          for (std::size_t j = i + 1; j < sorted.size(); ++j) final_rows = std::min(final_rows, sorted[j].y);
          target.progress(std::uint64_t{final_rows} * target.pitch);
        }
      }
    }
    context_->Unmap(staging_.get(), 0);
    if (target.progress) target.progress(std::uint64_t{rows} * target.pitch);
    return CaptureStatus::ok;
  }

  void set_cursor_position(std::int32_t x, std::int32_t y) override { SetCursorPos(x, y); }

  std::string last_error() const override { return error_; }

 private:
  Result<void> fail(std::string message) {
    error_ = std::move(message);
    release();
    return Error{"dxgi capture: " + error_};
  }

  // Copies the acquired surface into the staging texture and fills the event's frame part.
  bool copy_frame(const ComPtr<IDXGIResource>& resource, const DXGI_OUTDUPL_FRAME_INFO& info,
                  CaptureEvent* event) {
    ComPtr<ID3D11Texture2D> texture;
    if (FAILED(resource.as(&texture))) {
      error_ = "the acquired frame is not a 2D texture";
      return false;
    }
    if (!staging_) {
      D3D11_TEXTURE2D_DESC desc{};
      texture->GetDesc(&desc);
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
        return false;
      }
    }
    context_->CopyResource(staging_.get(), texture.get());

    event->frame = true;
    event->format = format_;
    event->full_damage = true;
    if (info.TotalMetadataBufferSize > 0) {
      metadata_.resize(info.TotalMetadataBufferSize);
      UINT move_bytes = 0, dirty_bytes = 0;
      auto* moves = reinterpret_cast<DXGI_OUTDUPL_MOVE_RECT*>(metadata_.data());
      if (SUCCEEDED(
              duplication_->GetFrameMoveRects(static_cast<UINT>(metadata_.size()), moves, &move_bytes))) {
        auto* dirty = reinterpret_cast<RECT*>(metadata_.data() + move_bytes);
        if (SUCCEEDED(duplication_->GetFrameDirtyRects(static_cast<UINT>(metadata_.size() - move_bytes),
                                                       dirty, &dirty_bytes))) {
          static_assert(sizeof(dxgi::MoveRect) == sizeof(DXGI_OUTDUPL_MOVE_RECT) &&
                        sizeof(dxgi::DxRect) == sizeof(RECT));
          event->damage = dxgi::damage_from_metadata(
              {reinterpret_cast<const dxgi::MoveRect*>(moves), move_bytes / sizeof(DXGI_OUTDUPL_MOVE_RECT)},
              {reinterpret_cast<const dxgi::DxRect*>(dirty), dirty_bytes / sizeof(RECT)}, format_.width,
              format_.height);
          event->full_damage = false;
        }
      }
    }
    return true;
  }

  std::optional<protocol::CursorShape> read_pointer_shape(UINT size) {
    shape_buffer_.resize(size);
    DXGI_OUTDUPL_POINTER_SHAPE_INFO info{};
    UINT used = 0;
    if (FAILED(duplication_->GetFramePointerShape(size, shape_buffer_.data(), &used, &info)))
      return std::nullopt;
    auto shape = dxgi::cursor_shape_from_dxgi(
        {info.Type, info.Width, info.Height, info.Pitch, info.HotSpot.x, info.HotSpot.y},
        std::span<const std::uint8_t>(shape_buffer_.data(), used));
    if (!shape) {
      spdlog::warn("dxgi: pointer shape skipped: {}", shape.error().message);
      return std::nullopt;
    }
    return std::move(shape).value();
  }

  void release() {
    if (holding_frame_ && duplication_) duplication_->ReleaseFrame();
    holding_frame_ = false;
    staging_.reset();
    duplication_.reset();
    context_.reset();
    device_.reset();
  }

  DxgiOptions options_;
  std::string error_;
  bool announced_ = false;
  ComPtr<ID3D11Device> device_;
  ComPtr<ID3D11DeviceContext> context_;
  ComPtr<IDXGIOutputDuplication> duplication_;
  ComPtr<ID3D11Texture2D> staging_;
  bool holding_frame_ = false;
  bool pointer_visible_ = false;  // the last visibility DXGI reported
  DXGI_FORMAT texture_format_ = DXGI_FORMAT_UNKNOWN;
  dxgi::PixelLayout layout_;
  FrameFormat format_;
  std::vector<std::byte> metadata_;
  std::vector<std::uint8_t> shape_buffer_;
};

}  // namespace

std::unique_ptr<CaptureBackend> make_dxgi_capture(const DxgiOptions& options) {
  return std::make_unique<DxgiCapture>(options);
}

}  // namespace kagami::capture
