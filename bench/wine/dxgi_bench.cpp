// dxgi_bench.exe SHM_FILE [FRAMES]: the dxgi backend's per-frame path under Wine — AcquireNextFrame
// and the CopyResource into the staging texture (capture), then Map and the copy of every row
// into the shared memory (read_pixels) — at 1920x1080 and 3840x2160 B8G8R8A8, beside a memcpy of
// the same bytes into the same mapping, in the same run. The desktop is FakeDesktop (Wine has no
// DuplicateOutput): a real D3D11 texture (wined3d on llvmpipe), reported whole-dirty every frame.
// Run through bench/wine/run_dxgi_bench.sh (private Xvfb and Wine prefix).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <vector>

#include "shm/region.h"
#include "tests/wine/windows/fake_desktop.h"

namespace {

using namespace kagami;
using Clock = std::chrono::steady_clock;

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

int bench(std::span<std::byte> region, UINT width, UINT height, int frames) {
  wine_test::FakeDesktop desktop(wine_test::make_mode(width, height, DXGI_FORMAT_B8G8R8A8_UNORM, 1));
  auto backend = capture::dxgi::make_dxgi_capture({}, desktop.factory());
  if (auto r = backend->start(); !r) {
    std::fprintf(stderr, "start: %s\n", r.error().message.c_str());
    return 1;
  }
  const std::size_t bytes = std::size_t{width} * height * 4;
  if (region.size() < bytes) {
    std::fprintf(stderr, "the region holds %zu bytes, a frame needs %zu\n", region.size(), bytes);
    return 1;
  }
  capture::FrameTarget target;
  target.pixels = region.first(bytes);
  target.pitch = width * 4;
  const std::vector<std::byte> source(bytes, std::byte{0x5A});  // the memcpy reference's source
  std::vector<double> acquire, read, total, copy;
  for (int i = -3; i < frames; ++i) {  // 3 warm-up frames (the first is the initial whole one)
    if (i > -3) {
      wine_test::Update u;
      u.dirty = {{0, 0, static_cast<LONG>(width), static_cast<LONG>(height)}};
      u.redraw = false;
      desktop.push(u);
    }
    capture::CaptureEvent event;
    const auto t0 = Clock::now();
    if (backend->capture(std::chrono::milliseconds(1000), &event) != capture::CaptureStatus::ok ||
        !event.frame) {
      std::fprintf(stderr, "capture: %s\n", backend->last_error().c_str());
      return 1;
    }
    const auto t1 = Clock::now();
    if (backend->read_pixels(target, {}) != capture::CaptureStatus::ok) {
      std::fprintf(stderr, "read_pixels: %s\n", backend->last_error().c_str());
      return 1;
    }
    const auto t2 = Clock::now();
    std::memcpy(region.data(), source.data(), bytes);
    const auto t3 = Clock::now();
    if (i < 0) continue;
    acquire.push_back(ms(t1 - t0));
    read.push_back(ms(t2 - t1));
    total.push_back(ms(t2 - t0));
    copy.push_back(ms(t3 - t2));
  }
  const double mib = static_cast<double>(bytes) / (1 << 20);
  std::printf(
      "dxgi %ux%u BGRA (%.1f MiB), median of %d frames: acquire+CopyResource %.2f ms, map+copy to shm %.2f "
      "ms, "
      "total %.2f ms (%.2f GiB/s, %.0f fps); memcpy of the same bytes into the same shm %.2f ms (%.2f "
      "GiB/s); "
      "dxgi/memcpy %.1fx\n",
      width, height, mib, frames, median(acquire), median(read), median(total),
      mib / 1024 / (median(total) / 1000), 1000 / median(total), median(copy),
      mib / 1024 / (median(copy) / 1000), median(total) / median(copy));
  const auto violations = desktop.violations();
  for (const auto& v : violations) std::fprintf(stderr, "call-order violation: %s\n", v.c_str());
  return violations.empty() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: dxgi_bench SHM_FILE [FRAMES]\n");
    return 2;
  }
  spdlog::set_level(spdlog::level::warn);
  const int frames = argc > 2 ? std::max(1, std::atoi(argv[2])) : 30;
  auto region = shm::open_region(argv[1]);
  if (!region) {
    std::fprintf(stderr, "%s\n", region.error().message.c_str());
    return 3;
  }
  int rc = bench((*region)->bytes(), 1920, 1080, frames);
  if (rc == 0) rc = bench((*region)->bytes(), 3840, 2160, frames);
  return rc;
}
