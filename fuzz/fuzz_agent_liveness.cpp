// Fuzzes the agent's side against a scribbling client, with a liveness property: whatever a
// client writes into the region once, a well-behaved viewer that comes afterwards is served a
// complete frame within 2 s (simulated: 10 ms heartbeat ticks on a fake clock).
//
// The agent here is KvmfrHost driven by the same policy as agent::Agent (which needs threads and
// a real clock): every tick process(), a new setup after LGMP_ERR_CORRUPTED followed by a whole
// frame, reposts for new subscribers until they succeed, and the screen stays still (one frame),
// so only the agent's repair and repost paths can serve the newcomer.
//
// Input: steps [u8 op][...]:
//   op % 3 == 0: [u16 offset][u8 length][length bytes] written at offset % 8192 (the LGMP
//                header, the user data and both rings);
//   op % 3 == 1: [u16 offset][u8 length][length bytes] written into the shown frame's buffer
//                header page (KVMFRFrame, write pointer) at offset % 4096;
//   op % 3 == 2: [u8 ticks] time passes (ticks % 32 heartbeats; the first viewer keeps reading).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "common/clock.h"
#include "protocol/kvmfr_host.h"
#include "protocol/kvmfr_session.h"
#include "protocol/shared_atomic.h"

using namespace kagami;
using namespace kagami::protocol;

namespace {

constexpr std::size_t kRegionSize = 4 << 20;
constexpr std::uint32_t kHeaderWindow = 8192;
constexpr int kLivenessTicks = 200;  // 2 s of heartbeats
constexpr std::size_t kClearedHead = 64 << 10;
// Where setup puts the two frame buffers' header pages in a 4 MiB region (checked below).
constexpr std::uint64_t kFramePages[] = {3153920, 3674112};

struct StepClock final : Clock {
  std::uint64_t now = 1000;
  std::uint64_t now_ms() override { return now; }
};

struct CountingRandom final : RandomSource {
  std::uint32_t n = 1;
  std::uint32_t next_u32() override { return n++; }
};

GuestInfo guest() {
  GuestInfo info;
  info.host_version = "fuzz";
  info.features = kKvmfrFeatureSetCursorPos;
  info.os = OsInfo{0, "Linux"};
  return info;
}

// agent::Agent's policy on one thread: the timer's tick, then the capture thread's pass.
class MiniAgent {
 public:
  MiniAgent(std::span<std::byte> region, Clock& clock, RandomSource& random)
      : region_(region), host_(clock, random) {
    if (!host_.setup(region_, guest()).ok()) __builtin_trap();
  }
  std::uint64_t header_page(std::uint32_t buffer) const { return host_.frame_pixels_offset(buffer) - 4096; }

  void tick() {
    if (host_.process() == LgmpStatus::corrupted) {
      if (!host_.setup(region_, guest()).ok()) __builtin_trap();
      need_frame_ = true;  // a new session's buffers hold nothing: send the screen again
    }
    (void)host_.take_client_messages();
    if (host_.new_pointer_subscribers() > 0) cursor_wanted_ = true;
    if (host_.new_frame_subscribers() > 0) frame_wanted_ = true;
    if (!host_.has_subscribers()) return;  // idle
    host_.probe_full_queues();
    if (need_frame_) {
      if (!host_.frame_slot_free()) return;
      post_frame();
      need_frame_ = frame_wanted_ = false;
    } else if (frame_wanted_) {
      frame_wanted_ = !host_.repost_last_frame().ok();
    }
    if (cursor_wanted_) cursor_wanted_ = host_.repost_cursor() != LgmpStatus::ok;
    if (first_cursor_) first_cursor_ = host_.post_cursor(cursor()) != LgmpStatus::ok;
  }

  std::uint64_t shown_header() const { return host_.frame_pixels_offset(last_buffer_) - 4096; }

 private:
  static CursorUpdate cursor() {
    CursorUpdate c;
    c.has_position = true;
    c.visible = true;
    c.x = 10;
    c.y = 20;
    c.shape = CursorShape{CursorType::color, 2, 2, 8, 0, 0, std::vector<std::uint8_t>(16, 0x7f)};
    return c;
  }

  void post_frame() {
    FrameDescription d;
    d.format_ver = 1;
    d.frame_serial = serial_++;
    d.screen_width = d.frame_width = d.data_width = 64;
    d.screen_height = d.frame_height = d.data_height = 32;
    d.stride = 64;
    d.pitch = 256;
    last_buffer_ = host_.next_frame_buffer();
    auto write = host_.post_frame(d);
    if (!write) __builtin_trap();
    std::memset(write->pixels().data(), 0x5a, write->pixels().size());
    write->finish();
  }

  std::span<std::byte> region_;
  KvmfrHost host_;
  bool need_frame_ = true;
  bool frame_wanted_ = false;
  bool cursor_wanted_ = false;
  bool first_cursor_ = true;
  std::uint32_t serial_ = 1;
  std::uint32_t last_buffer_ = 0;
};

// One step of a well-behaved viewer; true once it has been served a whole frame.
bool view(KvmfrSession& viewer) {
  viewer.poll();
  if (!viewer.connected()) return false;
  for (int i = 0; i < 4; ++i) {
    auto cursor = viewer.receive_cursor();
    if (cursor && !*cursor) break;
  }
  auto frame = viewer.receive_frame();
  if (!frame || !*frame) return false;
  const auto& wp = reinterpret_cast<const FrameBufferHeader*>(
                       viewer.region().data() + (*frame)->pixels_offset - kFrameBufferHeaderSize)
                       ->wp;
  const bool complete = atomic_load(const_cast<std::uint32_t&>(wp)) >= (*frame)->data_size;
  viewer.frame_done();
  return complete;
}

struct Reader {
  const std::uint8_t* p;
  std::size_t left;
  bool take(void* out, std::size_t n) {
    if (left < n) return false;
    std::memcpy(out, p, n);
    p += n;
    left -= n;
    return true;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static std::vector<std::byte> region(kRegionSize);
  // Only the bytes an input can reach, or that setup does not rewrite, need clearing: the
  // header, rings and cursor buffers, and the frame buffers' header pages.
  std::memset(region.data(), 0, kClearedHead);
  for (std::uint64_t page : kFramePages) std::memset(region.data() + page, 0, 4096);
  StepClock clock;
  CountingRandom random;
  MiniAgent agent(region, clock, random);
  if (agent.header_page(0) != kFramePages[0] || agent.header_page(1) != kFramePages[1]) {
    std::fprintf(stderr, "frame buffer header pages moved: %llu %llu\n",
                 static_cast<unsigned long long>(agent.header_page(0)),
                 static_cast<unsigned long long>(agent.header_page(1)));
    __builtin_trap();
  }
  auto tick = [&] {
    clock.now += 10;
    agent.tick();
  };

  // A first viewer is shown the still screen.
  KvmfrSession first(region, clock, random);
  bool shown = false;
  for (int i = 0; i < 100 && !shown; ++i) {
    tick();
    shown = view(first);
  }
  if (!shown) __builtin_trap();

  // The client's writes, with time passing between them.
  Reader in{data, size};
  for (std::uint8_t op = 0; in.take(&op, 1);) {
    if (op % 3 == 2) {
      std::uint8_t ticks = 0;
      if (!in.take(&ticks, 1)) break;
      for (int i = 0; i < ticks % 32; ++i) {
        tick();
        (void)view(first);
      }
      continue;
    }
    std::uint16_t offset = 0;
    std::uint8_t length = 0;
    if (!in.take(&offset, 2) || !in.take(&length, 1) || length > in.left) break;
    const std::uint64_t at = op % 3 == 0 ? offset % kHeaderWindow : agent.shown_header() + offset % 4096;
    const std::size_t n = std::min<std::size_t>(length, kRegionSize - at);
    std::memcpy(region.data() + at, in.p, n);
    in.p += length;
    in.left -= length;
  }

  // Liveness: the writing has stopped; a new viewer must be served within 2 s.
  KvmfrSession viewer(region, clock, random);
  for (int i = 0; i < kLivenessTicks; ++i) {
    tick();
    (void)view(first);
    if (view(viewer)) return 0;
  }
  std::fprintf(stderr, "liveness: no whole frame for a new viewer %d ms after the last write (%s)\n",
               kLivenessTicks * 10, viewer.status().message.c_str());
  __builtin_trap();
}
