#pragma once
// `drm`: whatever the display controller is scanning out right now: the CRTC's current
// framebuffer, found through libdrm, mapped (PRIME dma-buf, else a dumb-buffer map) and read
// at the poll rate. Sees the console, a DRM program or a compositor alike. Needs root
// (or CAP_SYS_ADMIN) to get buffer handles. Linear buffers are mapped and copied; tiled or
// compressed ones (a GPU's usual scanout) go through `gpu_reader` (EGL import + GL readback;
// drm/scanout_plan.h decides), and fail with a message saying so when there is none.
// With --output the frame is the CRTC's viewport of its buffer (crtc x, y and mode size): Xorg
// scans every monitor out of one desktop-wide buffer, each CRTC at its own offset.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "capture/drm/gpu_reader.h"
#include "capture/drm/scanout_plan.h"
#include "capture/pixel_format.h"
#include "capture/polled_screen.h"

namespace kagami::capture {

struct DrmConfig {
  std::string path = "/dev/dri/card0";
  std::chrono::milliseconds poll_interval{16};
  // One of several outputs: the connector name ("Virtual-2") or the index among the active CRTCs.
  // Empty: the first active CRTC (and no output record).
  std::string output;
  GpuReaderFactory gpu_reader;  // empty: linear scanout buffers only (the static agent)
};

class DrmBackend final : public PolledScreenBackend {
 public:
  explicit DrmBackend(DrmConfig config);
  ~DrmBackend() override;

  std::string_view name() const override { return "drm"; }
  Result<void> start() override;
  std::optional<protocol::OutputInfo> output() const override { return output_; }

 protected:
  CaptureStatus read_screen(std::vector<std::byte>& out, FrameFormat& format) override;

 private:
  // A scanout buffer mapped for reading; page flips alternate between a few, so they are kept.
  struct Mapping {
    void* data = nullptr;  // linear: the mapped buffer; nullptr for a GPU import
    std::size_t size = 0;
    int dmabuf_fd = -1;  // -1 when mapped through the dumb-buffer path
    std::uint32_t width = 0, height = 0, pitch = 0, offset = 0;
    SourceFormat format = SourceFormat::xrgb8888;
    DmabufImage gpu;  // tiled/compressed: its planes' dma-buf fds (owned), read by gpu_
  };
  // The CRTC's framebuffer now; also updates viewport_.
  Result<std::uint32_t> current_fb();
  // The part of `m` this output shows: the CRTC's viewport clipped to the buffer with --output,
  // else the whole buffer.
  Rect visible(const Mapping& m) const;
  // With --output: its place in the desktop (or its CRTC) is no longer what output_ says.
  bool output_moved();
  Result<Mapping> map_fb(std::uint32_t fb_id);
  Result<Mapping> export_planes(std::uint32_t fb_id, const ScanoutDescription& fb,
                                const std::uint32_t handles[4], const std::uint32_t pitches[4],
                                const std::uint32_t offsets[4]);
  void unmap(Mapping& m);
  void unmap_all();

  DrmConfig config_;
  int fd_ = -1;
  std::uint32_t crtc_id_ = 0;
  Rect viewport_;  // the CRTC's source rectangle in its framebuffer (x, y, mode size)
  std::optional<protocol::OutputInfo> output_;
  std::chrono::steady_clock::time_point next_output_check_{};
  std::map<std::uint32_t, Mapping> mappings_;  // by framebuffer id
  std::unique_ptr<GpuReader> gpu_;             // made on the first tiled framebuffer
};

}  // namespace kagami::capture
