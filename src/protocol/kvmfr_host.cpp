#include "protocol/kvmfr_host.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "common/region_size.h"
#include "protocol/shared_atomic.h"

namespace kagami::protocol {
namespace {

// The KVMFRFrame header of a posted frame, every field from the description (the offset field is
// set once at setup and repaired by process()).
void write_frame_header(KvmfrFrame& f, const FrameDescription& d) {
  f.format_ver = d.format_ver;
  f.frame_serial = d.frame_serial;
  f.type = d.type;
  f.screen_width = d.screen_width;
  f.screen_height = d.screen_height;
  f.data_width = d.data_width;
  f.data_height = d.data_height;
  f.frame_width = d.frame_width;
  f.frame_height = d.frame_height;
  f.rotation = d.rotation;
  f.stride = d.stride;
  f.pitch = d.pitch;
  f.damage_rects_count = static_cast<std::uint32_t>(d.damage.size());
  std::copy(d.damage.begin(), d.damage.end(), f.damage_rects);
  f.flags = d.flags;
}

}  // namespace

FrameWrite::FrameWrite(std::byte* frame_buffer, std::uint64_t data_size, std::uint64_t pixels_offset,
                       std::uint32_t buffer_index)
    : frame_buffer_(frame_buffer),
      data_size_(data_size),
      pixels_offset_(pixels_offset),
      buffer_index_(buffer_index) {}

std::span<std::byte> FrameWrite::pixels() const {
  return {frame_buffer_ + kFrameBufferHeaderSize, static_cast<std::size_t>(data_size_)};
}

void FrameWrite::advance(std::uint64_t bytes_written) {
  auto& wp = reinterpret_cast<FrameBufferHeader*>(frame_buffer_)->wp;
  atomic_store(wp, static_cast<std::uint32_t>(std::min(bytes_written, data_size_)));
}

void FrameWrite::finish() { advance(data_size_); }

KvmfrHost::KvmfrHost(Clock& clock, RandomSource& random) : lgmp_(clock, random) {}

Result<void> KvmfrHost::setup(std::span<std::byte> region, const GuestInfo& info, std::uint32_t page_size) {
  // One size rule for agent, client and doctor (common/region_size.h). LGMP's offsets are 32-bit:
  // a region of 4 GiB or more is laid out in its first kLgmpLimit bytes (before, its size
  // overflowed and it failed as "too small").
  if (auto problem = region_size_problem(region.size())) return Error{*problem};
  region = region.first(static_cast<std::size_t>(lgmp_usable_bytes(region.size())));
  const auto fail = [&](const char* what, LgmpStatus status) {
    return Error{fmt::format("cannot lay out the {} region: {} failed ({})",
                             format_region_bytes(region.size()), what, to_string(status))};
  };
  if (page_size == 0 || (page_size & (page_size - 1)) != 0)
    return Error{fmt::format("page size {} is not a power of two", page_size)};
  region_ = region;
  page_size_ = page_size;
  last_frame_ = last_shape_ = -1;
  shape_unsent_ = false;
  next_buffer_ = next_cursor_ = next_shape_ = 0;

  const std::vector<std::byte> udata = build_udata(info);
  if (LgmpStatus s = lgmp_.init(region, udata); s != LgmpStatus::ok) return fail("LGMP init", s);
  if (LgmpStatus s = lgmp_.queue_new({kQueueFrame, kQueueFrameLength, kQueueTimeoutMs}, &frame_queue_);
      s != LgmpStatus::ok)
    return fail("the frame queue", s);
  if (LgmpStatus s = lgmp_.queue_new({kQueuePointer, kQueuePointerLength, kQueueTimeoutMs}, &pointer_queue_);
      s != LgmpStatus::ok)
    return fail("the pointer queue", s);

  for (LgmpAllocation& buffer : cursor_buffers_) {
    if (LgmpStatus s = lgmp_.mem_alloc(sizeof(KvmfrCursor), &buffer); s != LgmpStatus::ok)
      return fail("a cursor buffer", s);
    std::memset(at(buffer.offset), 0, buffer.size);
  }
  for (LgmpAllocation& buffer : shape_buffers_) {
    if (LgmpStatus s = lgmp_.mem_alloc(kMaxPointerSize, &buffer); s != LgmpStatus::ok)
      return fail("a cursor shape buffer", s);
    std::memset(at(buffer.offset), 0, buffer.size);
  }

  if (lgmp_.avail() < page_size) return fail("the frame buffers", LgmpStatus::no_shared_mem);
  const std::uint32_t max_frame_size = ((lgmp_.avail() - (page_size - 1)) & ~(page_size - 1)) / 2;
  for (LgmpAllocation& buffer : frame_buffers_) {
    if (LgmpStatus s = lgmp_.mem_alloc_aligned(max_frame_size, page_size, &buffer); s != LgmpStatus::ok)
      return fail("a frame buffer", s);
    // Written once: the FrameBuffer sits just before the next page so the pixels are page-aligned.
    reinterpret_cast<KvmfrFrame*>(at(buffer.offset))->offset = page_size - kFrameBufferHeaderSize;
  }
  frame_capacity_ = frame_buffers_[0].size - page_size;
  return {};
}

std::uint64_t KvmfrHost::frame_pixels_offset(std::uint32_t buffer) const {
  return std::uint64_t{frame_buffers_[buffer].offset} + page_size_;
}

bool KvmfrHost::frame_slot_free() const { return lgmp_.pending(frame_queue_) < 2; }

Result<FrameWrite> KvmfrHost::post_frame(const FrameDescription& d) {
  const std::uint64_t data_size = std::uint64_t{d.data_height} * d.pitch;
  if (data_size > frame_capacity_)
    return Error{fmt::format("a frame of {} rows x {} bytes ({} bytes) does not fit the {}-byte frame buffer",
                             d.data_height, d.pitch, data_size, frame_capacity_)};
  if (d.damage.size() > kMaxDamageRects)
    return Error{fmt::format("{} damage rects; KVMFR carries at most {}", d.damage.size(), kMaxDamageRects)};

  const std::uint32_t buffer = next_buffer_;
  const LgmpAllocation& memory = frame_buffers_[buffer];
  auto* f = reinterpret_cast<KvmfrFrame*>(at(memory.offset));
  write_frame_header(*f, d);
  last_description_ = d;
  last_description_.damage = {};  // the span is the caller's; a repost is announced whole anyway

  std::byte* frame_buffer = at(memory.offset + page_size_ - kFrameBufferHeaderSize);
  atomic_store(reinterpret_cast<FrameBufferHeader*>(frame_buffer)->wp, 0u);
  // Posted before the pixels are written (B7): the client uploads rows as the write pointer passes them.
  if (LgmpStatus s = lgmp_.post(frame_queue_, 0, memory); s != LgmpStatus::ok)
    return Error{fmt::format("posting the frame failed: {}", to_string(s))};
  last_frame_ = static_cast<int>(buffer);
  next_buffer_ = (buffer + 1) % kFrameBuffers;
  return FrameWrite(frame_buffer, data_size, frame_pixels_offset(buffer), buffer);
}

Result<void> KvmfrHost::repost_last_frame() {
  if (last_frame_ < 0) return {};
  // The header again from our copy (a client may have scribbled on it) with no damage rects:
  // a newcomer has no previous frame, so the repeat must be announced whole. The pixels are
  // complete (the caller's FrameWrite has finished), so wp says so too. (The offset field is
  // the timer thread's to repair: process().)
  const LgmpAllocation& memory = frame_buffers_[last_frame_];
  auto* f = reinterpret_cast<KvmfrFrame*>(at(memory.offset));
  const FrameDescription& d = last_description_;
  write_frame_header(*f, d);  // last_description_ carries no damage rects
  auto* wp =
      &reinterpret_cast<FrameBufferHeader*>(at(memory.offset + page_size_ - kFrameBufferHeaderSize))->wp;
  atomic_store(*wp, static_cast<std::uint32_t>(std::uint64_t{d.data_height} * d.pitch));
  if (LgmpStatus s = lgmp_.post(frame_queue_, 0, memory); s != LgmpStatus::ok) {
    if (s == LgmpStatus::queue_full) lgmp_.hurry(frame_queue_);
    return Error{fmt::format("re-posting the last frame failed: {}", to_string(s))};
  }
  return {};
}

LgmpStatus KvmfrHost::post_cursor(const CursorUpdate& update) {
  if (update.has_position) {
    last_cursor_.x = update.x;
    last_cursor_.y = update.y;
  }
  last_cursor_.has_position = true;
  last_cursor_.visible = update.visible;

  if (update.shape) {
    last_shape_ = static_cast<int>(next_shape_);
    next_shape_ = (next_shape_ + 1) % kCursorShapeBuffers;
    const LgmpAllocation& memory = shape_buffers_[last_shape_];
    write_cursor(update, {at(memory.offset), memory.size});
    const LgmpStatus s = lgmp_.post(pointer_queue_, cursor_flags(update), memory);
    shape_unsent_ = s != LgmpStatus::ok;
    return s;
  }
  if (shape_unsent_) return repost_cursor();

  const LgmpAllocation& memory = cursor_buffers_[next_cursor_];
  next_cursor_ = (next_cursor_ + 1) % kCursorBuffers;
  write_cursor(update, {at(memory.offset), memory.size});
  return lgmp_.post(pointer_queue_, cursor_flags(update), memory);
}

LgmpStatus KvmfrHost::repost_cursor() {
  const std::uint32_t flags = kCursorFlagPosition | (last_cursor_.visible ? kCursorFlagVisible : 0);
  if (last_shape_ >= 0) {
    const LgmpAllocation& memory = shape_buffers_[last_shape_];
    auto* c = reinterpret_cast<KvmfrCursor*>(at(memory.offset));
    c->x = last_cursor_.x;
    c->y = last_cursor_.y;
    const LgmpStatus s = lgmp_.post(pointer_queue_, flags | kCursorFlagShape, memory);
    shape_unsent_ = s != LgmpStatus::ok;
    if (s == LgmpStatus::queue_full) lgmp_.hurry(pointer_queue_);
    return s;
  }
  const LgmpAllocation& memory = cursor_buffers_[next_cursor_];
  next_cursor_ = (next_cursor_ + 1) % kCursorBuffers;
  write_cursor(last_cursor_, {at(memory.offset), memory.size});
  const LgmpStatus s = lgmp_.post(pointer_queue_, flags, memory);
  if (s == LgmpStatus::queue_full) lgmp_.hurry(pointer_queue_);
  return s;
}

LgmpStatus KvmfrHost::process() {
  if (LgmpStatus s = lgmp_.process(); s != LgmpStatus::ok) return s;
  // The frame buffers' offset fields are written once, at setup.
  for (const LgmpAllocation& buffer : frame_buffers_) {
    auto& offset = reinterpret_cast<KvmfrFrame*>(at(buffer.offset))->offset;
    if (offset != page_size_ - kFrameBufferHeaderSize) {
      offset = page_size_ - kFrameBufferHeaderSize;
      ++repairs_;
    }
  }
  return LgmpStatus::ok;
}

void KvmfrHost::probe_full_queues() {
  if (lgmp_.wants_probe(frame_queue_)) (void)repost_last_frame();
  if (lgmp_.wants_probe(pointer_queue_)) (void)repost_cursor();
}

std::vector<KvmfrSetCursorPos> KvmfrHost::take_client_messages() {
  std::vector<KvmfrSetCursorPos> messages;
  std::uint8_t data[kLgmpMsgsSize];
  for (std::uint32_t i = 0; i < kLgmpMsgsMax; ++i) {  // at most one ring's worth per call
    std::uint32_t size = 0;
    const LgmpStatus s = lgmp_.read_data(pointer_queue_, data, &size);
    if (s == LgmpStatus::queue_empty || s == LgmpStatus::corrupted) break;
    lgmp_.ack_data(pointer_queue_);
    if (s != LgmpStatus::ok || size < sizeof(KvmfrSetCursorPos)) continue;  // malformed: dropped
    KvmfrSetCursorPos message;
    std::memcpy(&message, data, sizeof message);
    if (message.type == static_cast<std::uint32_t>(KvmfrMessageType::set_cursor_pos))
      messages.push_back(message);
  }
  return messages;
}

bool KvmfrHost::has_subscribers() const {
  return lgmp_.has_subs(frame_queue_) || lgmp_.has_subs(pointer_queue_);
}

std::uint32_t KvmfrHost::new_frame_subscribers() { return lgmp_.new_subs(frame_queue_); }

std::uint32_t KvmfrHost::new_pointer_subscribers() { return lgmp_.new_subs(pointer_queue_); }

}  // namespace kagami::protocol
