// Fuzzes the client's whole reading path: a valid agent region (KvmfrHost, frames and cursor
// messages posted) is patched with the fuzzer's bytes between the steps of a viewer session
// (poll, receive_frame, pixel reads up to the write pointer, frame_done, receive_cursor).
// Input: a sequence of patches [u8 area][u32 offset][u8 length][length bytes].
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <vector>

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
      session.frame_done();
    }
    (void)session.receive_cursor();
  }
  return 0;
}
