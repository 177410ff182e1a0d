#include "capture/gdi/gdi_capture.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <windows.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <initializer_list>
#include <thread>
#include <vector>

#include "capture/dxgi/dxgi_convert.h"
#include "capture/gdi/cursor_bitmap.h"
#include "capture/gdi/tile_diff.h"

namespace kagami::capture {
namespace {

using Clock = std::chrono::steady_clock;

// The bits of a GDI bitmap, read top-down at `bits_per_pixel` (32 or 1).
std::vector<std::uint8_t> read_bitmap(HDC dc, HBITMAP bitmap, std::uint32_t width, std::uint32_t height,
                                      WORD bits_per_pixel, std::uint32_t* pitch) {
  struct {
    BITMAPINFOHEADER header;
    RGBQUAD colors[2];
  } info{};
  info.header.biSize = sizeof(BITMAPINFOHEADER);
  info.header.biWidth = static_cast<LONG>(width);
  info.header.biHeight = -static_cast<LONG>(height);  // negative: top-down rows
  info.header.biPlanes = 1;
  info.header.biBitCount = bits_per_pixel;
  info.header.biCompression = BI_RGB;
  *pitch = ((width * bits_per_pixel + 31) / 32) * 4;  // DIB rows are DWORD-aligned
  std::vector<std::uint8_t> bits(std::size_t{*pitch} * height);
  if (GetDIBits(dc, bitmap, 0, height, bits.data(), reinterpret_cast<BITMAPINFO*>(&info), DIB_RGB_COLORS) ==
      0) {
    bits.clear();
  }
  return bits;
}

// Every monitor of the virtual desktop, in EnumDisplayMonitors order, in the shape the DXGI
// backend uses for its outputs, so both choose and describe outputs alike.
std::vector<dxgi::OutputInfo> list_monitors() {
  std::vector<dxgi::OutputInfo> monitors;
  EnumDisplayMonitors(
      nullptr, nullptr,
      [](HMONITOR monitor, HDC, LPRECT, LPARAM data) -> BOOL {
        MONITORINFOEXA info{};
        info.cbSize = sizeof(info);
        if (!GetMonitorInfoA(monitor, &info)) return TRUE;
        auto& list = *reinterpret_cast<std::vector<dxgi::OutputInfo>*>(data);
        dxgi::OutputInfo o;
        o.output_index = static_cast<std::uint32_t>(list.size());
        o.device_name = info.szDevice;
        o.attached = true;
        o.desktop = {info.rcMonitor.left, info.rcMonitor.top, info.rcMonitor.right, info.rcMonitor.bottom};
        list.push_back(std::move(o));
        return TRUE;
      },
      reinterpret_cast<LPARAM>(&monitors));
  return monitors;
}

// A change of any of these makes a restart (reinit): the primary's size, the virtual desktop's box and
// monitor count.
std::array<int, 7> desktop_layout() {
  return {GetSystemMetrics(SM_CXSCREEN),        GetSystemMetrics(SM_CYSCREEN),
          GetSystemMetrics(SM_XVIRTUALSCREEN),  GetSystemMetrics(SM_YVIRTUALSCREEN),
          GetSystemMetrics(SM_CXVIRTUALSCREEN), GetSystemMetrics(SM_CYVIRTUALSCREEN),
          GetSystemMetrics(SM_CMONITORS)};
}

class GdiCapture final : public CaptureBackend {
 public:
  explicit GdiCapture(const GdiOptions& options) : options_(options) {}
  ~GdiCapture() override { release(); }

  std::string_view name() const override { return "gdi"; }

  Result<void> start() override {
    release();
    layout_ = desktop_layout();
    origin_ = {0, 0};
    width_ = static_cast<std::uint32_t>(GetSystemMetrics(SM_CXSCREEN));
    height_ = static_cast<std::uint32_t>(GetSystemMetrics(SM_CYSCREEN));
    output_.reset();
    if (!options_.output.empty()) {
      const auto monitors = list_monitors();
      auto choice = dxgi::choose_output(monitors, options_.output, "");
      if (!choice) return fail(choice.error().message);
      auto record = dxgi::output_record(monitors, choice->index);
      if (!record) return fail(record.error().message);
      output_ = std::move(*record);
      origin_ = {output_->rect.x, output_->rect.y};
      width_ = output_->rect.width;
      height_ = output_->rect.height;
      if (!announced_)
        spdlog::info("gdi: capturing monitor {} ({}x{} at {},{})", output_->name, width_, height_, origin_.x,
                     origin_.y);
      announced_ = true;
    }
    if (width_ == 0 || height_ == 0) return fail("GetSystemMetrics reports no primary screen");
    screen_dc_ = GetDC(nullptr);
    if (!screen_dc_) return fail("GetDC(screen) failed");
    memory_dc_ = CreateCompatibleDC(screen_dc_);
    if (!memory_dc_) return fail(fmt::format("CreateCompatibleDC failed (error {})", GetLastError()));

    BITMAPINFO info{};
    info.bmiHeader.biSize = sizeof(BITMAPINFOHEADER);
    info.bmiHeader.biWidth = static_cast<LONG>(width_);
    info.bmiHeader.biHeight = -static_cast<LONG>(height_);
    info.bmiHeader.biPlanes = 1;
    info.bmiHeader.biBitCount = 32;
    info.bmiHeader.biCompression = BI_RGB;
    void* bits = nullptr;
    dib_ = CreateDIBSection(memory_dc_, &info, DIB_RGB_COLORS, &bits, nullptr, 0);
    if (!dib_ || !bits)
      return fail(fmt::format("CreateDIBSection {}x{} failed (error {})", width_, height_, GetLastError()));
    old_bitmap_ = SelectObject(memory_dc_, dib_);
    pixels_ = static_cast<std::byte*>(bits);
    pitch_ = width_ * 4;
    previous_.assign(std::size_t{pitch_} * height_, std::byte{0});
    have_previous_ = false;
    next_grab_ = next_poll_ = Clock::now();
    grab_interval_ = options_.interval;
    return {};
  }

  CaptureStatus capture(std::chrono::milliseconds timeout, CaptureEvent* event) override {
    *event = CaptureEvent{};
    const auto deadline = Clock::now() + timeout;
    for (;;) {
      // Sleep to the next cursor poll or grab (never spin), but no later than the caller's timeout.
      const auto wake = std::min({next_poll_, next_grab_, deadline});
      std::this_thread::sleep_until(wake);
      if (Clock::now() >= next_poll_) {
        next_poll_ = Clock::now() + options_.interval;
        poll_cursor(event);
      }
      if (Clock::now() < next_grab_) {
        if (event->cursor) return CaptureStatus::ok;
        if (Clock::now() >= deadline) return CaptureStatus::timeout;
        continue;
      }
      if (desktop_layout() != layout_) return CaptureStatus::reinit;  // a resolution or monitor changed
      // The screen DC spans the virtual desktop, the primary's corner at 0,0.
      if (!BitBlt(memory_dc_, 0, 0, static_cast<int>(width_), static_cast<int>(height_), screen_dc_,
                  origin_.x, origin_.y, SRCCOPY | CAPTUREBLT)) {
        error_ = fmt::format("BitBlt from the screen failed (error {}): desktop switch?", GetLastError());
        return CaptureStatus::reinit;
      }
      GdiFlush();
      const bool changed = grab_changed(event);
      // A grab costs a full-screen copy and compare: back off while the screen is still
      // (doubling up to idle_interval), back to `interval` as soon as it changes.
      grab_interval_ = changed ? options_.interval : std::min(grab_interval_ * 2, options_.idle_interval);
      next_grab_ = Clock::now() + grab_interval_;
      if (changed || event->cursor) return CaptureStatus::ok;
      if (Clock::now() >= deadline) return CaptureStatus::timeout;
    }
  }

  CaptureStatus read_pixels(const FrameTarget& target, std::span<const Rect> rects) override {
    if (target.pitch < pitch_) {
      error_ = fmt::format("frame slot pitch {} is below the screen's {}", target.pitch, pitch_);
      return CaptureStatus::error;
    }
    // Only the rows that fit: a slot smaller than the frame carries a TRUNCATED frame.
    const auto rows =
        static_cast<std::uint32_t>(std::min<std::uint64_t>(height_, target.pixels.size() / target.pitch));
    std::vector<Rect> sorted(rects.begin(), rects.end());
    if (sorted.empty()) sorted.push_back({0, 0, width_, height_});
    std::sort(sorted.begin(), sorted.end(), [](const Rect& a, const Rect& b) { return a.y < b.y; });
    for (std::size_t i = 0; i < sorted.size(); ++i) {
      const Rect r = clip(sorted[i]);
      for (std::uint32_t row = r.y; row < std::min(r.y + r.height, rows); ++row) {
        std::memcpy(target.pixels.data() + std::uint64_t{row} * target.pitch + std::uint64_t{r.x} * 4,
                    pixels_ + std::uint64_t{row} * pitch_ + std::uint64_t{r.x} * 4, std::size_t{r.width} * 4);
        // Rows above every rect still to come are final.
        if (target.progress && (row + 1) % 64 == 0) {
          std::uint32_t final_rows = row + 1;
          for (std::size_t j = i + 1; j < sorted.size(); ++j) final_rows = std::min(final_rows, sorted[j].y);
          target.progress(std::uint64_t{final_rows} * target.pitch);
        }
      }
    }
    if (target.progress) target.progress(std::uint64_t{rows} * target.pitch);
    return CaptureStatus::ok;
  }

  // Positions are the frame's: the monitor's origin is added back.
  void set_cursor_position(std::int32_t x, std::int32_t y) override {
    SetCursorPos(x + origin_.x, y + origin_.y);
  }

  std::string last_error() const override { return error_; }
  std::optional<protocol::OutputInfo> output() const override { return output_; }

 private:
  Result<void> fail(std::string message) {
    error_ = std::move(message);
    release();
    return Error{"gdi capture: " + error_};
  }

  Rect clip(Rect r) const {
    r.x = std::min(r.x, width_);
    r.y = std::min(r.y, height_);
    r.width = std::min(r.width, width_ - r.x);
    r.height = std::min(r.height, height_ - r.y);
    return r;
  }

  // Compares the fresh grab with the previous one; fills the event if anything changed.
  bool grab_changed(CaptureEvent* event) {
    const ImageView now{pixels_, width_, height_, pitch_, 4};
    const ImageView before{previous_.data(), width_, height_, pitch_, 4};
    std::vector<Rect> damage;
    if (have_previous_) {
      damage = diff_tiles(before, now);
      if (damage.empty()) return false;
    }
    for (const Rect& r : have_previous_ ? damage : std::vector<Rect>{{0, 0, width_, height_}}) {
      for (std::uint32_t row = r.y; row < r.y + r.height; ++row) {
        std::memcpy(previous_.data() + std::size_t{row} * pitch_ + std::size_t{r.x} * 4,
                    pixels_ + std::size_t{row} * pitch_ + std::size_t{r.x} * 4, std::size_t{r.width} * 4);
      }
    }
    event->frame = true;
    event->format = FrameFormat{protocol::FrameType::bgra, width_, height_, pitch_};
    event->full_damage = !have_previous_;
    event->damage = std::move(damage);
    have_previous_ = true;
    return true;
  }

  void poll_cursor(CaptureEvent* event) {
    CURSORINFO info{};
    info.cbSize = sizeof(info);
    if (!GetCursorInfo(&info)) return;
    // With one monitor captured, a pointer on another monitor is not on this frame.
    const bool on_output = info.ptScreenPos.x >= origin_.x && info.ptScreenPos.y >= origin_.y &&
                           info.ptScreenPos.x < origin_.x + static_cast<LONG>(width_) &&
                           info.ptScreenPos.y < origin_.y + static_cast<LONG>(height_);
    const bool visible = (info.flags & CURSOR_SHOWING) != 0 && on_output;
    std::optional<protocol::CursorShape> shape;
    if (info.hCursor != cursor_handle_ && info.hCursor) {
      cursor_handle_ = info.hCursor;
      shape = read_cursor_shape(info.hCursor);
    }
    // KVMFR (as DXGI) places the shape's top-left corner: the hotspot position minus the hotspot.
    const LONG x = info.ptScreenPos.x - origin_.x - static_cast<LONG>(hotspot_x_);
    const LONG y = info.ptScreenPos.y - origin_.y - static_cast<LONG>(hotspot_y_);
    if (!shape && visible == cursor_visible_ && x == cursor_x_ && y == cursor_y_) return;
    cursor_visible_ = visible;
    cursor_x_ = x;
    cursor_y_ = y;
    protocol::CursorUpdate update;
    update.has_position = true;
    update.x = static_cast<std::int16_t>(std::clamp<LONG>(x, INT16_MIN, INT16_MAX));
    update.y = static_cast<std::int16_t>(std::clamp<LONG>(y, INT16_MIN, INT16_MAX));
    update.visible = visible;
    update.shape = std::move(shape);
    event->cursor = std::move(update);
  }

  std::optional<protocol::CursorShape> read_cursor_shape(HCURSOR cursor) {
    ICONINFO icon{};
    if (!GetIconInfo(cursor, &icon)) {
      spdlog::warn("gdi: GetIconInfo of the cursor failed (error {})", GetLastError());
      return std::nullopt;
    }
    BITMAP mask_info{};
    GetObject(icon.hbmMask, sizeof(mask_info), &mask_info);
    const auto width = static_cast<std::uint32_t>(mask_info.bmWidth);
    const bool monochrome = icon.hbmColor == nullptr;
    const auto height = static_cast<std::uint32_t>(monochrome ? mask_info.bmHeight / 2 : mask_info.bmHeight);
    CursorBitmaps bitmaps;
    bitmaps.width = width;
    bitmaps.height = height;
    bitmaps.hotspot_x = icon.xHotspot;
    bitmaps.hotspot_y = icon.yHotspot;
    std::uint32_t color_pitch = 0;
    std::vector<std::uint8_t> color, mask;
    if (!monochrome) color = read_bitmap(memory_dc_, icon.hbmColor, width, height, 32, &color_pitch);
    mask = read_bitmap(memory_dc_, icon.hbmMask, width, monochrome ? 2 * height : height, 1,
                       &bitmaps.mask_pitch);
    if (icon.hbmColor) DeleteObject(icon.hbmColor);
    if (icon.hbmMask) DeleteObject(icon.hbmMask);
    bitmaps.color = color;
    bitmaps.mask = mask;
    auto shape = cursor_shape_from_bitmaps(bitmaps);
    if (!shape) {
      spdlog::warn("gdi: cursor shape skipped: {}", shape.error().message);
      return std::nullopt;
    }
    hotspot_x_ = icon.xHotspot;
    hotspot_y_ = icon.yHotspot;
    return std::move(shape).value();
  }

  void release() {
    if (memory_dc_ && old_bitmap_) SelectObject(memory_dc_, old_bitmap_);
    if (dib_) DeleteObject(dib_);
    if (memory_dc_) DeleteDC(memory_dc_);
    if (screen_dc_) ReleaseDC(nullptr, screen_dc_);
    dib_ = nullptr;
    memory_dc_ = nullptr;
    screen_dc_ = nullptr;
    old_bitmap_ = nullptr;
    pixels_ = nullptr;
    cursor_handle_ = nullptr;  // resend the shape after a restart
  }

  GdiOptions options_;
  std::string error_;
  HDC screen_dc_ = nullptr;
  HDC memory_dc_ = nullptr;
  HBITMAP dib_ = nullptr;
  HGDIOBJ old_bitmap_ = nullptr;
  std::byte* pixels_ = nullptr;  // the DIB section's bits, top-down BGRX
  std::uint32_t width_ = 0, height_ = 0, pitch_ = 0;
  POINT origin_{0, 0};                          // the captured rectangle's corner in the virtual desktop
  std::optional<protocol::OutputInfo> output_;  // with options_.output: the monitor's record
  std::array<int, 7> layout_{};                 // desktop_layout() at start()
  bool announced_ = false;                      // the monitor was logged (once, not per restart)
  std::vector<std::byte> previous_;             // the last grab that was reported, for the diff
  bool have_previous_ = false;
  Clock::time_point next_grab_;  // the next screen grab
  Clock::time_point next_poll_;  // the next cursor poll (every interval, even while grabs back off)
  std::chrono::milliseconds grab_interval_{16};
  HCURSOR cursor_handle_ = nullptr;
  DWORD hotspot_x_ = 0, hotspot_y_ = 0;
  bool cursor_visible_ = false;
  LONG cursor_x_ = LONG_MIN, cursor_y_ = LONG_MIN;
};

}  // namespace

std::unique_ptr<CaptureBackend> make_gdi_capture(const GdiOptions& options) {
  return std::make_unique<GdiCapture>(options);
}

}  // namespace kagami::capture
