// Fuzzes the client's whole reading path: a valid agent region (KvmfrHost, frames and cursor
// messages posted) is patched with the fuzzer's bytes between the steps of a viewer session
// (poll, receive_frame, pixel reads up to the write pointer, frame_done, receive_cursor), and
// what the client makes of the values: the frame's texture bound, the upload plan (every band a
// read inside the frame's data) and the cursor images.
// Input: a sequence of patches [u8 area][u32 offset][u8 length][length bytes].
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <vector>

#include "client/cursor_image.h"
#include "client/frame_bounds.h"
#include "client/upload_plan.h"
#include "common/clock.h"
#include "protocol/kvmfr_host.h"
#include "protocol/kvmfr_session.h"

using namespace kagami;
using namespace kagami::protocol;

namespace {

constexpr std::size_t kRegionSize = 4 << 20;

struct StepClock final : Clock {
  std::uint64_t now = 1000;
  std::uint64_t now_ms() override { return now; }
};

struct CountingRandom final : RandomSource {
  std::uint32_t n = 1;
  std::uint32_t next_u32() override { return n++; }
};

struct Pristine {
  std::vector<std::byte> bytes;
  std::uint64_t frame_headers[2];
};

// A region as an agent leaves it: set up, one frame and two cursor messages posted to a
// subscribed viewer. Built once; every input starts from a copy.
const Pristine& pristine() {
  static const Pristine p = [] {
    Pristine out{std::vector<std::byte>(kRegionSize), {}};
    StepClock clock;
    CountingRandom random;
    KvmfrHost host(clock, random);
    GuestInfo info;
    info.host_version = "fuzz";
    info.features = kKvmfrFeatureSetCursorPos;
    info.os = OsInfo{0, "Linux"};
    if (!host.setup(out.bytes, info).ok()) __builtin_trap();
    out.frame_headers[0] = host.frame_pixels_offset(0) - 4096;
    out.frame_headers[1] = host.frame_pixels_offset(1) - 4096;
    return out;
  }();
  return p;
}

struct Patches {
  const std::uint8_t* data;
  std::size_t size;

  // Applies the next patch, if any. Areas aim the offsets where the parsers look.
  void apply_one(std::span<std::byte> region, const Pristine& p) {
    if (size < 6) return;
    const std::uint8_t area = data[0];
    std::uint32_t offset;
    std::memcpy(&offset, data + 1, 4);
    std::size_t length = data[5];
    data += 6;
    size -= 6;
    length = std::min(length, size);
    std::uint64_t base = 0, span = region.size();
    switch (area % 4) {
      case 0: span = 8192; break;                                 // LGMP header, udata, rings
      case 1: base = p.frame_headers[0]; span = 8192; break;      // frame 0 header + wp
      case 2: base = p.frame_headers[1]; span = 8192; break;      // frame 1 header + wp
      default: break;                                             // anywhere
    }
    const std::uint64_t at = base + offset % span;
    length = std::min<std::uint64_t>(length, region.size() - at);
    std::memcpy(region.data() + at, data, length);
    data += length;
    size -= length;
  }
};

// The client's bound and upload plan: every band reads whole rows inside the frame's data, and
// the texture a cropped frame asks for stays within the limits.
void check_client_frame(ValidatedFrame f) {
  client::FrameLimits limits;
  limits.max_texture_size = 256;
  limits.texture_budget = 1 << 20;
  (void)client::bound_frame(f, limits);
  if (f.data_width > limits.max_texture_size || f.data_height > limits.max_texture_size) __builtin_trap();
  const std::uint32_t bpp = bytes_per_texel(f.type);
  for (bool full : {false, true}) {
    for (const client::UploadBand& b : client::plan_upload(f, full)) {
      if (b.width == 0 || b.height == 0) __builtin_trap();
      const std::uint64_t last_byte = (std::uint64_t{b.y} + b.height - 1) * f.pitch +
                                      (std::uint64_t{b.x} + b.width) * bpp;
      if (last_byte > f.data_size || b.ready_bytes > f.data_size || b.ready_bytes < last_byte) __builtin_trap();
    }
  }
}

// The cursor images are exactly as large as their sides say (the GPU reads width*height*4).
void check_cursor_image(const CursorShape& shape) {
  auto image = client::make_cursor_image(shape);
  if (!image.ok()) return;
  const std::uint64_t bytes = std::uint64_t{image->width} * image->height * 4;
  if (image->blend.size() != bytes || (image->has_invert && image->invert.size() != bytes)) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const Pristine& p = pristine();
  static std::unique_ptr<std::byte[], void (*)(std::byte*)> storage(
      static_cast<std::byte*>(::operator new(kRegionSize, std::align_val_t{4096})),
      [](std::byte* b) { ::operator delete(b, std::align_val_t{4096}); });
  std::span<std::byte> region(storage.get(), kRegionSize);
  std::memcpy(region.data(), p.bytes.data(), kRegionSize);

  StepClock clock;
  CountingRandom random;
  KvmfrHost host(clock, random);  // the agent keeps running on the same region
  if (!host.setup(region, GuestInfo{}).ok()) __builtin_trap();
  KvmfrSession session(region, clock, random);
  Patches patches{data, size};

  for (int step = 0; step < 12; ++step) {
    clock.now += 10;
    (void)host.process();
    session.poll();
    if (step == 3) {
      FrameDescription d;
      d.type = FrameType::bgra;
      d.screen_width = d.frame_width = d.data_width = 64;
      d.screen_height = d.frame_height = d.data_height = 16;
      d.pitch = 256;
      if (auto w = host.post_frame(d); w.ok()) w->finish();
      CursorUpdate cursor;
      cursor.has_position = true;
      cursor.shape = CursorShape{CursorType::color, 4, 4, 16, 0, 0, std::vector<std::uint8_t>(64, 1)};
      (void)host.post_cursor(cursor);
    }
    patches.apply_one(region, p);
    patches.apply_one(region, p);
    if (auto frame = session.receive_frame(); frame.ok() && frame->has_value()) {
      const ValidatedFrame& f = **frame;
      const std::uint64_t ready = frame_bytes_ready(region, f);
      if (ready > f.data_size || f.pixels_offset + f.data_size > region.size()) __builtin_trap();
      std::uint64_t sum = 0;
      for (std::uint64_t i = 0; i < ready; i += 61) sum += static_cast<std::uint8_t>(region[f.pixels_offset + i]);
      volatile std::uint64_t sink = sum;
      (void)sink;
      check_client_frame(**frame);
      session.frame_done();
    }
    if (auto cursor = session.receive_cursor(); cursor.ok() && cursor->has_value() && (*cursor)->shape) {
      check_cursor_image(*(*cursor)->shape);
    }
  }
  return 0;
}
