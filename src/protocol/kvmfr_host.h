#pragma once
// The agent's side of KVMFR: lays the region out exactly as the B7 host's lgmpSetup does
// (kvmfr-v20.md §3), publishes frames with the progressive write pointer (§4.1), cursor
// updates (§5), and drains client messages (§6).
//
// Threading (as B7): post_frame / repost_last_frame / post_cursor / probe_full_queues from the
// capture thread; process / take_client_messages from the 10 ms timer thread. setup() only
// while neither runs.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "protocol/kvmfr_cursor.h"
#include "protocol/kvmfr_layout.h"
#include "protocol/kvmfr_udata.h"
#include "protocol/lgmp_host.h"

namespace kagami::protocol {

// Everything in a KVMFRFrame header except `offset` (fixed at setup).
struct FrameDescription {
  std::uint32_t format_ver = 0;
  std::uint32_t frame_serial = 0;
  FrameType type = FrameType::bgra;
  std::uint32_t screen_width = 0, screen_height = 0;
  std::uint32_t data_width = 0, data_height = 0;
  std::uint32_t frame_width = 0, frame_height = 0;
  FrameRotation rotation = FrameRotation::r0;
  std::uint32_t stride = 0;  // texels
  std::uint32_t pitch = 0;   // bytes
  std::uint32_t flags = 0;
  std::span<const FrameDamageRect> damage;  // at most 64; empty = the whole frame
};

// A posted frame whose pixels are being written. The client may already be reading the rows
// below the write pointer, so advance() after each band and finish() at the end.
class FrameWrite {
 public:
  FrameWrite() = default;
  FrameWrite(std::byte* frame_buffer, std::uint64_t data_size, std::uint64_t pixels_offset,
             std::uint32_t buffer_index);

  std::span<std::byte> pixels() const;                            // data_height * pitch bytes
  std::uint64_t pixels_offset() const { return pixels_offset_; }  // shm offset of row 0
  std::uint32_t buffer_index() const { return buffer_index_; }    // 0 or 1
  void advance(std::uint64_t bytes_written);  // release-stores wp (clamped to the data size)
  void finish();                              // wp = data size

 private:
  std::byte* frame_buffer_ = nullptr;  // the FrameBuffer: wp, then pixels
  std::uint64_t data_size_ = 0;
  std::uint64_t pixels_offset_ = 0;
  std::uint32_t buffer_index_ = 0;
};

class KvmfrHost {
 public:
  KvmfrHost(Clock& clock, RandomSource& random);

  // B7's lgmpSetup: init, frame queue, pointer queue, 20 cursor buffers, 3 shape buffers,
  // 2 page-aligned frame buffers. Errors say what is wrong (e.g. the region is too small).
  Result<void> setup(std::span<std::byte> region, const GuestInfo& info, std::uint32_t page_size = 4096);

  // Pixel bytes each frame buffer holds (allocation - page), the budget for one frame.
  std::uint64_t frame_capacity() const { return frame_capacity_; }
  // Shm offset of buffer i's pixel rows (page-aligned; for capture straight into the slot).
  std::uint64_t frame_pixels_offset(std::uint32_t buffer) const;
  // Which buffer the next post_frame writes.
  std::uint32_t next_frame_buffer() const { return next_buffer_; }
  // B7 waits until fewer than 2 frames are pending before writing the next one.
  bool frame_slot_free() const;

  // Writes the header into the next buffer, zeroes wp and posts the message (before the pixels,
  // as B7 does). data_height * pitch must fit frame_capacity().
  Result<FrameWrite> post_frame(const FrameDescription& frame);
  // Re-posts the last frame (same serial) for a new subscriber: its header rewritten from our
  // copy with no damage rects (announced whole), wp at the end. Only between frame writes.
  Result<void> repost_last_frame();

  // Position-only updates use the 20 small buffers round robin; shape updates the 3 shape buffers
  // (B7 §5). Never blocks: LGMP_ERR_QUEUE_FULL means a subscriber is slow — retry later or drop
  // the update; a shape that could not be posted is sent with the next update.
  LgmpStatus post_cursor(const CursorUpdate& update);
  // A new pointer subscriber gets the last shape (or position) again.
  LgmpStatus repost_cursor();
  // A queue whose 32 subscriber slots are all taken and that has nothing pending gets the last
  // frame / cursor again, so holders that are gone time out (LgmpHost::wants_probe). Call it
  // with the reposts for new subscribers (between frame writes).
  void probe_full_queues();

  // Heartbeat + queue maintenance + repairs (LgmpHost::process, and the frame buffers' offset
  // fields). LGMP_ERR_CORRUPTED means: run setup() again.
  LgmpStatus process();
  // Fields a client overwrote that process() put back, all layers together.
  std::uint64_t repairs() const { return lgmp_.repairs().count + repairs_; }
  const std::string& last_repair() const { return lgmp_.repairs().last; }
  // Client messages received since the last call, validated, acknowledged.
  std::vector<KvmfrSetCursorPos> take_client_messages();

  bool has_subscribers() const;
  std::uint32_t new_frame_subscribers();
  std::uint32_t new_pointer_subscribers();
  LgmpHost& lgmp() { return lgmp_; }

 private:
  std::byte* at(std::uint64_t offset) const { return region_.data() + offset; }

  LgmpHost lgmp_;
  std::span<std::byte> region_;
  std::uint32_t page_size_ = 4096;
  std::uint32_t frame_queue_ = 0;
  std::uint32_t pointer_queue_ = 1;
  LgmpAllocation cursor_buffers_[kCursorBuffers]{};
  LgmpAllocation shape_buffers_[kCursorShapeBuffers]{};
  LgmpAllocation frame_buffers_[kFrameBuffers]{};
  std::uint64_t frame_capacity_ = 0;
  std::uint32_t next_buffer_ = 0;
  std::uint32_t next_cursor_ = 0;
  std::uint32_t next_shape_ = 0;
  int last_frame_ = -1;                // buffer of the last posted frame
  int last_shape_ = -1;                // shape buffer holding the last shape
  bool shape_unsent_ = false;          // the last shape was written but its post failed
  CursorUpdate last_cursor_;           // position and visibility last sent
  FrameDescription last_description_;  // of the last posted frame (damage left out)
  std::uint64_t repairs_ = 0;          // frame buffer offsets put back
};

}  // namespace kagami::protocol
