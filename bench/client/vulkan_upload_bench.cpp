// Headless benchmark of the Vulkan backend: upload -> draw into an offscreen image, on whatever
// Vulkan device the machine has (lavapipe here, a GPU elsewhere: nothing here assumes either).
// Frames sit in a /dev/shm MAP_SHARED mapping at page-aligned offsets, two slots alternating as
// LGMP's frame buffers do, so the upload path is the real one (host-pointer import when the
// device can, else the staging buffer). For 1080p and 4K, full-frame change (no damage rects:
// every texel uploaded) and damage-light (one 128x128 rect per frame), through the import and
// through the staging fallback; each line prints fps, per-frame CPU (upload's own copy/record
// time, the whole process — driver threads included — and wall time of upload and render), and
// a memcpy of the same bytes measured in the same run.
//
// The "intake" here is a ValidatedFrame built directly (not an LGMP session): this measures what
// the renderer costs, not the protocol. Usage: vulkan_upload_bench [seconds-per-case, default 1]
#include <fcntl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "client/layout.h"
#include "client/vulkan/vulkan_renderer.h"

namespace {

using kagami::client::DrawState;
using kagami::client::FrameSource;
using kagami::client::VulkanRenderer;
using kagami::client::WaitReady;
using kagami::protocol::FrameDamageRect;
using kagami::protocol::FrameType;
using kagami::protocol::ValidatedFrame;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

double process_cpu_s() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Two frame slots after a 4 KiB header page, each page-aligned, in a /dev/shm MAP_SHARED file.
struct Region {
  std::byte* data = nullptr;
  std::size_t size = 0;
  std::uint64_t slot_bytes = 0;
  Region(std::uint32_t width, std::uint32_t height) {
    slot_bytes = (std::uint64_t{width} * 4 * height + 4095) / 4096 * 4096;
    size = 4096 + 2 * slot_bytes;
    const std::string path = "/dev/shm/kagami-vulkan-bench-" + std::to_string(getpid());
    const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_EXCL, 0600);
    unlink(path.c_str());
    if (fd < 0 || ftruncate(fd, static_cast<off_t>(size)) != 0) return;
    void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (p == MAP_FAILED) return;
    data = static_cast<std::byte*>(p);
    // Two different images, so a full-change upload really changes every texel.
    for (int slot = 0; slot < 2; ++slot) {
      auto* px = reinterpret_cast<std::uint32_t*>(data + offset(slot));
      for (std::uint64_t i = 0; i < std::uint64_t{width} * height; ++i)
        px[i] = static_cast<std::uint32_t>(i * 2654435761u + static_cast<std::uint64_t>(slot) * 977u) |
                0xFF000000u;
    }
  }
  ~Region() {
    if (data) munmap(data, size);
  }
  std::uint64_t offset(int slot) const { return 4096 + static_cast<std::uint64_t>(slot) * slot_bytes; }
};

void run_case(VulkanRenderer& renderer, Region& region, std::uint32_t width, std::uint32_t height,
              bool full_change, double budget_s) {
  const std::span<const std::byte> source(region.data, region.size);
  ValidatedFrame f;
  f.type = FrameType::bgra;
  f.screen_width = f.frame_width = f.data_width = f.stride = width;
  f.screen_height = f.frame_height = f.data_height = height;
  f.pitch = width * 4;
  f.data_size = std::uint64_t{f.pitch} * height;
  const WaitReady ready = [](std::uint64_t) { return true; };
  DrawState draw;
  draw.window_width = static_cast<int>(width);
  draw.window_height = static_cast<int>(height);
  draw.layout = kagami::client::compute_layout(width, height, draw.window_width, draw.window_height,
                                               kagami::client::ScaleMode::fit, false,
                                               kagami::client::FilterMode::nearest);

  // The first frame creates the images and is full either way: not measured.
  f.pixels_offset = region.offset(0);
  renderer.upload(FrameSource{f, source, true, ready});
  renderer.render(draw);

  std::vector<std::byte> sink(f.data_size, std::byte{1});  // touched: no page faults in the memcpy
  double upload_wall = 0, render_wall = 0, memcpy_s = 0;
  std::uint64_t upload_cpu_ns = 0, bytes = 0;
  int frames = 0;
  const double cpu_start = process_cpu_s();
  const auto start = Clock::now();
  while (seconds_since(start) < budget_s || frames < 5) {
    const int slot = (frames + 1) % 2;
    f.pixels_offset = region.offset(slot);
    FrameDamageRect rect{};
    f.damage.clear();
    if (!full_change) {
      rect = {static_cast<std::uint32_t>(frames * 37) % (width - 128),
              static_cast<std::uint32_t>(frames * 23) % (height - 128), 128, 128};
      f.damage.push_back(rect);
    }
    auto t = Clock::now();
    const auto stats = renderer.upload(FrameSource{f, source, false, ready});
    upload_wall += seconds_since(t);
    upload_cpu_ns += stats.cpu_ns;
    bytes += stats.bytes;
    t = Clock::now();
    renderer.render(draw);
    render_wall += seconds_since(t);
    ++frames;
  }
  const double wall = seconds_since(start);
  const double cpu = process_cpu_s() - cpu_start;
  // The same bytes by memcpy, in this run (one copy per frame uploaded, same source slots).
  const std::uint64_t per_frame = bytes / static_cast<std::uint64_t>(frames);
  const int copies = std::max(5, std::min(frames, 50));
  const auto t = Clock::now();
  for (int i = 0; i < copies; ++i) {
    const std::byte* src = source.data() + region.offset(i % 2);
    std::memcpy(sink.data(), src, per_frame);
  }
  memcpy_s = seconds_since(t) / copies;
  std::printf(
      "%4ux%-4u %-12s %s: %7.1f fps | per frame: upload %6.2f ms wall, %6.3f ms CPU in upload; render "
      "%6.2f ms "
      "wall; process CPU %6.2f ms | %6.2f MB/frame, memcpy of it %6.3f ms\n",
      width, height, full_change ? "full-change" : "damage-light",
      renderer.last_upload_path() == kagami::client::vk::UploadPath::host_import ? "import " : "staging",
      frames / wall, upload_wall * 1e3 / frames, static_cast<double>(upload_cpu_ns) * 1e-6 / frames,
      render_wall * 1e3 / frames, cpu * 1e3 / frames, static_cast<double>(per_frame) / 1e6, memcpy_s * 1e3);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  const double budget = argc > 1 ? std::atof(argv[1]) : 1.0;
  // One renderer through the import (where the device has it), one through the staging buffer.
  std::vector<std::unique_ptr<VulkanRenderer>> renderers;
  for (bool import : {true, false}) {
    kagami::client::VulkanSettings settings;
    settings.host_import = import;
    auto renderer = VulkanRenderer::create(settings);
    if (!renderer) {
      std::fprintf(stderr, "vulkan_upload_bench: %s\n", renderer.error().message.c_str());
      return 1;
    }
    renderers.push_back(std::move(*renderer));
  }
  std::printf("device: %s\n", renderers[0]->describe().c_str());
  for (auto [w, h] : {std::pair{1920u, 1080u}, std::pair{3840u, 2160u}}) {
    Region region(w, h);
    if (!region.data) {
      std::fprintf(stderr, "vulkan_upload_bench: cannot map /dev/shm\n");
      return 1;
    }
    for (bool full : {true, false})
      for (auto& renderer : renderers) run_case(*renderer, region, w, h, full, budget);
  }
  return 0;
}
