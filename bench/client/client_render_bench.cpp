// The client's own frame path without a window: a KvmfrHost publisher (the agent side, in this
// process) writes frames into a /dev/shm region; the real FrameIntake (frame thread: session,
// write-pointer waits, Renderer::upload) and the real Renderer::render on this thread (the render
// thread) take them. SDL's "offscreen" video driver gives the GLES backend an EGL pbuffer on the
// first EGL device (llvmpipe here, the GPU's driver on a GPU machine); nothing below assumes either.
//
// Per backend x size (1080p, 4K) x scene (full-frame change: every pixel of every frame differs;
// damage-light: one 256x256 rect a frame, announced as damage), unthrottled publisher:
//   fps shown, upload CPU ms per frame (the frame thread's copies), draw ms per frame (render +
//   swap, CPU time of the render thread), and a memcpy of one frame measured in the same run.
// Usage: client_render_bench [--seconds S] [--backend gles|gles_persistent|gles_mapped|gles_direct|vulkan
// ...]
//        [--size 1080p|4k ...]
#include <spdlog/spdlog.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "client/frame_intake.h"
#include "client/layout.h"
#include "client/renderer_factory.h"
#ifdef KAGAMI_HAVE_VULKAN
#include "client/vulkan/vulkan_renderer.h"
#endif
#include "common/clock.h"
#include "e2e_harness.h"
#include "marker_probe.h"

namespace {

using namespace kagami;
using namespace kagami::client;

struct Size {
  const char* name;
  std::uint32_t width, height;
};
struct Backend {
  std::string name;
  RendererKind kind;
  const char* gles_upload;  // KAGAMI_GLES_UPLOAD or nullptr
};

double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

struct RunResult {
  double fps = 0, upload_cpu_ms = 0, upload_wall_ms = 0, draw_ms = 0;
  std::uint64_t frames = 0;
  std::string describe;
};

RunResult run(const Backend& backend, const Size& size, bool full_change, double seconds) {
  const std::uint32_t w = size.width, h = size.height, pitch = w * 4;
  test::ShmRegion region(protocol::recommended_region_size(w, h, false));
  test::TestAgent agent(region.bytes());
  agent.start();

  if (backend.gles_upload)
    setenv("KAGAMI_GLES_UPLOAD", backend.gles_upload, 1);
  else
    unsetenv("KAGAMI_GLES_UPLOAD");
  std::mutex mutex;
  std::condition_variable woken;
  bool wake = false;
  std::atomic<bool> render_requested{false};
  const auto notify = [&] {
    std::lock_guard lock(mutex);
    wake = true;
    woken.notify_one();
  };
  RendererSettings rs;
  rs.wake = [&] {  // the renderer needs render() to run (as the client's render thread does)
    render_requested = true;
    notify();
  };
  WindowSettings ws;
  ws.width = w;
  ws.height = h;
  Result<RendererChoice> choice = Error{"no renderer"};
#ifdef KAGAMI_HAVE_VULKAN
  if (backend.kind == RendererKind::vulkan) {
    // SDL's offscreen driver has no Vulkan surface: the backend's own offscreen image instead.
    auto made = VulkanRenderer::create(VulkanSettings{});
    if (made) {
      RendererChoice c;
      c.renderer = std::move(*made);
      choice = std::move(c);
    } else {
      choice = made.error();
    }
  } else
#endif
    choice = create_renderer(backend.kind, ws, rs);
  if (!choice) {
    std::printf("  %-15s %-5s: cannot start: %s\n", backend.name.c_str(), size.name,
                choice.error().message.c_str());
    return {};
  }
  RunResult result;
  result.describe = choice->renderer->describe();
  Renderer& renderer = *choice->renderer;

  // Two source images; a full change alternates them (every pixel differs), damage-light moves a
  // 256x256 square over the first.
  std::vector<std::byte> a(std::size_t{pitch} * h), b(a.size());
  for (std::size_t i = 0; i < a.size(); i += 4) {
    const auto v = static_cast<std::uint8_t>(i / 4 * 7);
    a[i] = std::byte{v};
    a[i + 1] = std::byte{static_cast<std::uint8_t>(v ^ 0x55)};
    a[i + 2] = std::byte{static_cast<std::uint8_t>(255 - v)};
    a[i + 3] = std::byte{255};
    b[i] = std::byte{static_cast<std::uint8_t>(v + 1)};
    b[i + 1] = a[i + 2];
    b[i + 2] = a[i + 1];
    b[i + 3] = std::byte{255};
  }
  std::atomic<bool> publishing{true};
  std::thread publisher([&] {
    for (std::uint32_t n = 0; publishing; ++n) {
      protocol::FrameDescription d;
      d.type = protocol::FrameType::bgra;
      d.screen_width = d.frame_width = d.data_width = w;
      d.screen_height = d.frame_height = d.data_height = h;
      d.pitch = pitch;
      protocol::FrameDamageRect rect{(n * 37) % (w - 256), (n * 23) % (h - 256), 256, 256};
      if (!full_change && n > 1) d.damage = std::span(&rect, 1);
      try {
        agent.post_with(d, [&](protocol::FrameWrite& fw) {
          std::byte* out = fw.pixels().data();
          if (full_change || n <= 1) {
            const auto& src = n % 2 ? b : a;
            for (std::size_t done = 0; done < src.size();) {  // progressive, as B7 writes
              const std::size_t chunk = std::min<std::size_t>(protocol::kFrameBufferChunk, src.size() - done);
              std::memcpy(out + done, src.data() + done, chunk);
              done += chunk;
              fw.advance(done);
            }
          } else {
            for (std::uint32_t y = rect.y; y < rect.y + rect.height; ++y)
              std::memset(out + std::size_t{y} * pitch + std::size_t{rect.x} * 4, static_cast<int>(n),
                          rect.width * 4);
          }
          fw.finish();
        });
      } catch (const std::exception&) {
        if (publishing) throw;
      }
    }
  });

  IntakeSettings is;
  is.shm = region.path();
  FrameIntake intake(is, renderer, notify);
  IntakeSnapshot snap;
  // Warm up (connect, first frames, ring allocation), then measure.
  const auto measure = [&](double secs, bool record) {
    std::uint64_t first_frames = snap.frames, drawn = 0, upload_cpu = 0, upload_wall = 0;
    double draw_cpu = 0;
    const std::uint64_t start = monotonic_ns();
    while (static_cast<double>(monotonic_ns() - start) / 1e9 < secs) {
      {
        std::unique_lock lock(mutex);
        woken.wait_for(lock, std::chrono::milliseconds(5), [&] { return wake; });
        wake = false;
      }
      const std::uint64_t before = snap.frames;
      intake.snapshot(snap);
      upload_cpu += snap.upload_cpu_ns;
      upload_wall += snap.upload_ns;
      if (snap.frames == before && !render_requested.exchange(false)) continue;
      const double t0 = thread_cpu_ms();
      const FrameGeometry g = renderer.geometry();
      DrawState s;
      renderer.drawable_size(s.window_width, s.window_height);
      if (s.window_width <= 0 || s.window_height <= 0) {  // offscreen Vulkan: the frame's own size
        s.window_width = static_cast<int>(w);
        s.window_height = static_cast<int>(h);
      }
      s.layout = compute_layout(g.image_width(), g.image_height(), s.window_width, s.window_height,
                                ScaleMode::fit, false, FilterMode::nearest);
      renderer.render(s);
      draw_cpu += thread_cpu_ms() - t0;
      ++drawn;
    }
    if (!record) return;
    const double elapsed = static_cast<double>(monotonic_ns() - start) / 1e9;
    const std::uint64_t frames = snap.frames - first_frames;
    result.frames = frames;
    result.fps = static_cast<double>(drawn) / elapsed;
    result.upload_cpu_ms = frames ? static_cast<double>(upload_cpu) / 1e6 / static_cast<double>(frames) : 0;
    result.upload_wall_ms = frames ? static_cast<double>(upload_wall) / 1e6 / static_cast<double>(frames) : 0;
    result.draw_ms = drawn ? draw_cpu / static_cast<double>(drawn) : 0;
  };
  measure(1.0, false);
  measure(seconds, true);
  publishing = false;
  intake.stop();  // releases the frame it holds: the publisher's wait ends
  publisher.join();
  return result;
}

}  // namespace

int main(int argc, char** argv) {
  // The benchmark's own choice, so the client's "no display" check lets it through.
  setenv("SDL_VIDEODRIVER", "offscreen", 1);
  spdlog::set_level(spdlog::level::warn);
  double seconds = 4.0;
  std::vector<std::string> backends, sizes;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--seconds") seconds = std::atof(v.c_str());
    if (k == "--backend") backends.push_back(v);
    if (k == "--size") sizes.push_back(v);
  }
  const std::vector<Backend> all = {{"gles", RendererKind::gles, nullptr},  // the path the driver gets
                                    {"gles_persistent", RendererKind::gles, "persistent"},
                                    {"gles_mapped", RendererKind::gles, "mapped"},
                                    {"gles_direct", RendererKind::gles, "direct"},
                                    {"vulkan", RendererKind::vulkan, nullptr}};
  const std::vector<Size> all_sizes = {{"1080p", 1920, 1080}, {"4k", 3840, 2160}};
  if (backends.empty()) backends = {"gles_persistent", "gles_direct", "vulkan"};
  if (sizes.empty()) sizes = {"1080p", "4k"};

  std::printf("kagami-client frame path, headless (SDL offscreen), publisher unthrottled, %.0f s per run\n",
              seconds);
  std::printf(
      "  upload CPU: the frame thread's copies per frame; upload wall: its upload() per frame, "
      "write-pointer\n"
      "  waits included; draw: render thread CPU per drawn frame (commit + draw + swap); memcpy: one "
      "frame\n");
  std::printf("  %-15s %-5s %-12s %8s %12s %12s %10s %12s\n", "backend", "size", "scene", "fps",
              "upload copy", "upload wall", "draw", "memcpy 1 fr");
  for (const auto& size_name : sizes) {
    const auto size =
        std::find_if(all_sizes.begin(), all_sizes.end(), [&](auto& s) { return size_name == s.name; });
    if (size == all_sizes.end()) continue;
    for (const auto& name : backends) {
      const auto backend = std::find_if(all.begin(), all.end(), [&](auto& b) { return b.name == name; });
      if (backend == all.end()) continue;
      for (const bool full : {true, false}) {
        const RunResult r = run(*backend, *size, full, seconds);
        if (r.describe.empty()) break;
        const double copy = kagami::bench::memcpy_ms(std::size_t{size->width} * size->height * 4, 0);
        std::printf("  %-15s %-5s %-12s %8.1f %9.2f ms %9.2f ms %7.2f ms %9.2f ms   [%s]\n",
                    backend->name.c_str(), size->name, full ? "full-change" : "damage-light", r.fps,
                    r.upload_cpu_ms, r.upload_wall_ms, r.draw_ms, copy, r.describe.c_str());
        std::fflush(stdout);
      }
    }
  }
  return 0;
}
