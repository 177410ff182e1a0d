#pragma once
// `fb`: the Linux framebuffer device (/dev/fb0). Reads the visible screen at the poll rate,
// converts it to a KVMFR type (pixel_format.h) and reports the rows that changed. The simple
// fallback for guests without X; it sees only what is drawn through fbdev (the console), not
// a DRM program's own buffers (use `drm` for those).
#include <chrono>
#include <optional>
#include <string>

#include "capture/pixel_format.h"
#include "capture/polled_screen.h"

namespace kagami::capture {

// What FBIOGET_VSCREENINFO / FBIOGET_FSCREENINFO report, reduced to what capture needs.
struct FbGeometry {
  std::uint32_t width = 0, height = 0;       // visible resolution
  std::uint32_t x_offset = 0, y_offset = 0;  // visible area inside the virtual screen
  std::uint32_t line_length = 0;             // bytes per row in the device
  ChannelLayout channels;
  bool operator==(const FbGeometry&) const = default;
};

struct FbConfig {
  std::string path = "/dev/fb0";
  // When set, the device is not asked (no ioctl): `path` is read as a framebuffer-shaped file
  // with this geometry. For tests and for framebuffers exposed as plain files.
  std::optional<FbGeometry> geometry;
  std::chrono::milliseconds poll_interval{16};
};

class FbBackend final : public PolledScreenBackend {
 public:
  explicit FbBackend(FbConfig config);
  ~FbBackend() override;

  std::string_view name() const override { return "fb"; }
  Result<void> start() override;

 protected:
  CaptureStatus read_screen(std::vector<std::byte>& out, FrameFormat& format) override;

 private:
  Result<FbGeometry> query_geometry() const;

  FbConfig config_;
  int fd_ = -1;
  FbGeometry geometry_;
  SourceFormat source_ = SourceFormat::xrgb8888;
  std::vector<std::byte> staging_;  // the raw rows of one read
};

}  // namespace kagami::capture
