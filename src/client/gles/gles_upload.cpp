#include "client/gles/gles_upload.h"

#include <SDL2/SDL.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>

#include "client/latency_trace.h"
#include "common/clock.h"

namespace kagami::client {
namespace {

// The frame thread waits this long for the render thread (a free slot; then, without one, a
// direct copy); past that the frame is dropped (the next one is uploaded in full). Shutdown ends
// the waits at once. Long enough for a loaded machine: at 100 ms and no direct fallback, a client
// under ThreadSanitizer (two windows, llvmpipe) dropped the only frame of a static screen and its
// window stayed black (client_multi_window_test, 1-2 of 5 cases a run).
constexpr auto kRenderThreadWait = std::chrono::milliseconds(250);
// Slots in the ring: one being filled, one waiting for the render thread, one being copied by the
// GPU. Fewer when the memory budget has no room.
constexpr std::size_t kMaxSlots = 3;

std::uint64_t texture_bytes(const protocol::ValidatedFrame& f) {
  // As FrameTexture::configure sizes it.
  const std::uint64_t w = std::max(f.data_width, f.frame_width);
  const std::uint64_t h = std::max(f.data_height, f.frame_height);
  return w * h * texel_format(f.type).bytes;
}

}  // namespace

const char* to_string(GlesUploadPath path) {
  switch (path) {
    case GlesUploadPath::persistent_pbo:
      return "persistent-mapped PBO ring (GL_EXT_buffer_storage)";
    case GlesUploadPath::mapped_pbo:
      return "mapped PBO ring (glMapBufferRange)";
    case GlesUploadPath::direct:
      return "direct from the region (glTexSubImage2D)";
  }
  return "?";
}

GlesUpload::GlesUpload(GlesUploadPath path, std::function<void()> wake)
    : path_(path), wake_(std::move(wake)), render_thread_(std::this_thread::get_id()) {
  if (path_ == GlesUploadPath::persistent_pbo)
    buffer_storage_ =
        reinterpret_cast<PFNGLBUFFERSTORAGEEXTPROC>(SDL_GL_GetProcAddress("glBufferStorageEXT"));
}

GlesUpload::~GlesUpload() {
  close();
  for (Slot& slot : slots_) destroy_slot(slot);
}

void GlesUpload::close() {
  std::lock_guard lock(mutex_);
  closing_ = true;
  changed_.notify_all();
}

// ---- frame thread ----

UploadStats GlesUpload::upload(const FrameSource& source) {
  UploadStats stats;
  const protocol::ValidatedFrame& f = source.frame;
  const TexelFormat tf = texel_format(f.type);
  // Defence in depth: the protocol layer validated this; a renderer never reads outside the region.
  if (tf.bytes == 0 || f.pixels_offset > source.region.size() ||
      f.data_size > source.region.size() - f.pixels_offset)
    return stats;
  const Format format{f.type, f.data_width, f.data_height, f.frame_width, f.frame_height};
  const bool full = source.full || format != last_format_;  // a new texture starts black
  last_format_ = format;
  const std::vector<UploadBand> bands = plan_upload(f, full);
  const std::byte* pixels = source.region.data() + f.pixels_offset;

  // The memory budget (2x the region) holds the texture and the staging slots.
  const std::uint64_t budget = 2 * std::uint64_t{source.region.size()};
  const std::uint64_t texture = texture_bytes(f);
  const std::size_t slots =
      f.data_size == 0 || texture >= budget
          ? 0
          : static_cast<std::size_t>(std::min<std::uint64_t>(kMaxSlots, (budget - texture) / f.data_size));
  if (path_ == GlesUploadPath::direct || slots == 0) return upload_direct(source, bands, pixels, stats);

  std::unique_lock lock(mutex_);
  const std::optional<std::size_t> index = acquire_slot(lock, f.data_size, slots);
  if (!index) {
    // No staging slot in time (the render thread is slow to make or free one, e.g. a loaded
    // machine): this frame goes the direct way rather than being dropped. On a static screen a
    // dropped frame would stay missing until the guest changed something.
    lock.unlock();
    return upload_direct(source, bands, pixels, stats);
  }
  std::byte* staging = slots_[*index].data;
  lock.unlock();

  // Band by band as the agent's write pointer passes each: the copy runs while the guest still
  // writes the rows below.
  for (const UploadBand& band : bands) {
    if (!stats.stalled && !source.wait_ready(band.ready_bytes)) stats.stalled = true;
    const std::uint64_t start = monotonic_ns();
    const std::uint64_t first = std::uint64_t{band.y} * f.pitch + std::uint64_t{band.x} * tf.bytes;
    const std::uint64_t row_bytes = std::uint64_t{band.width} * tf.bytes;
    if (band.x == 0 && row_bytes * 2 > f.pitch && band.height > 0) {
      // (Nearly) whole rows: one copy, the row padding in between included (inside data_size).
      const std::uint64_t bytes = std::uint64_t{band.height - 1} * f.pitch + row_bytes;
      std::memcpy(staging + first, pixels + first, bytes);
    } else {
      for (std::uint32_t row = 0; row < band.height; ++row) {
        const std::uint64_t at = first + std::uint64_t{row} * f.pitch;
        std::memcpy(staging + at, pixels + at, row_bytes);
      }
    }
    stats.cpu_ns += monotonic_ns() - start;
    stats.bytes += row_bytes * band.height;
  }

  lock.lock();
  Slot& slot = slots_[*index];
  slot.staged.frame = f;
  slot.staged.bands = bands;
  slot.seq = ++seq_;
  slot.state = SlotState::staged;
  return stats;
}

std::optional<std::size_t> GlesUpload::acquire_slot(std::unique_lock<std::mutex>& lock, std::size_t bytes,
                                                    std::size_t slots) {
  const auto deadline = std::chrono::steady_clock::now() + kRenderThreadWait;
  bool asked = false;
  while (!closing_) {
    for (std::size_t i = 0; i < slots_.size() && i < slots; ++i) {
      if (slots_[i].state == SlotState::free && slots_[i].capacity >= bytes) {
        slots_[i].state = SlotState::filling;
        return i;
      }
    }
    if (!asked) {
      wanted_capacity_ = std::max(wanted_capacity_, bytes);
      wanted_slots_ = slots;
      asked = true;
      if (std::this_thread::get_id() == render_thread_) {  // single-threaded use: do it here
        commit_locked(true);
        continue;
      }
      lock.unlock();
      wake_();
      lock.lock();
      continue;
    }
    if (changed_.wait_until(lock, deadline) == std::cv_status::timeout) break;
  }
  return std::nullopt;
}

UploadStats GlesUpload::upload_direct(const FrameSource& source, const std::vector<UploadBand>& bands,
                                      const std::byte* pixels, UploadStats stats) {
  // The render thread reads the region, so the whole frame must be there first (band by band:
  // the waits stay the same as on the staged path).
  for (const UploadBand& band : bands) {
    if (!source.wait_ready(band.ready_bytes)) {
      stats.stalled = true;
      break;
    }
  }
  std::unique_lock lock(mutex_);
  if (closing_) return stats;
  if (std::this_thread::get_id() == render_thread_) {  // single-threaded use: copy here
    apply(source.frame, bands, reinterpret_cast<std::uintptr_t>(pixels), 0);
    for (const UploadBand& band : bands)
      stats.bytes += std::uint64_t{band.width} * band.height * texel_format(source.frame.type).bytes;
    return stats;
  }
  direct_ = DirectJob{&source.frame, &bands, pixels, ++seq_, false};
  lock.unlock();
  wake_();
  lock.lock();
  const auto deadline = std::chrono::steady_clock::now() + kRenderThreadWait;
  while (!direct_->done && !closing_) {
    if (changed_.wait_until(lock, deadline) == std::cv_status::timeout) break;
  }
  if (direct_->done) {
    for (const UploadBand& band : bands)
      stats.bytes += std::uint64_t{band.width} * band.height * texel_format(source.frame.type).bytes;
  } else {
    last_format_ = {};  // not copied: the next frame goes in full
    stats.stalled = true;
  }
  direct_.reset();  // the render thread copies only while holding the lock: it is done with it
  return stats;
}

// ---- render thread ----

void GlesUpload::apply(const protocol::ValidatedFrame& f, const std::vector<UploadBand>& bands,
                       std::uintptr_t source, GLuint buffer) {
  texture_.configure(f);  // with no unpack buffer bound: a new texture's storage is not a copy
  glBindBuffer(GL_PIXEL_UNPACK_BUFFER, buffer);
  texture_.copy(f, bands, source);
  glBindBuffer(GL_PIXEL_UNPACK_BUFFER, 0);
  geometry_ = {f.frame_width, f.frame_height, f.screen_width, f.screen_height, f.rotation};
  type_ = f.type;
  flags_ = f.flags;
  serial_ = f.frame_serial;
  latency_trace::mark(latency_trace::Stage::committed, f.frame_serial);
}

bool GlesUpload::commit(bool allow_new_geometry) {
  std::lock_guard lock(mutex_);
  return commit_locked(allow_new_geometry);
}

bool GlesUpload::pending() {
  std::lock_guard lock(mutex_);
  if (direct_ && !direct_->done) return true;
  return std::any_of(slots_.begin(), slots_.end(),
                     [](const Slot& s) { return s.state == SlotState::staged; });
}

bool GlesUpload::commit_locked(bool allow_new_geometry) {
  // Staged slots in arrival order; a direct job takes its place in the same order.
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < slots_.size(); ++i)
    if (slots_[i].state == SlotState::staged) order.push_back(i);
  std::sort(order.begin(), order.end(), [&](auto a, auto b) { return slots_[a].seq < slots_[b].seq; });
  bool committed = false;
  bool direct_pending = direct_ && !direct_->done;
  // A frame of another geometry waits for the next has_frame()/geometry(): the caller computed
  // its layout from the geometry it was given.
  const auto same_geometry = [&](const protocol::ValidatedFrame& f) {
    return allow_new_geometry ||
           (texture_.valid() && f.frame_width == geometry_.frame_width &&
            f.frame_height == geometry_.frame_height && f.rotation == geometry_.rotation &&
            f.screen_width == geometry_.screen_width && f.screen_height == geometry_.screen_height);
  };
  if (direct_pending && !same_geometry(*direct_->frame)) direct_pending = false;
  for (const std::size_t i : order) {
    Slot& slot = slots_[i];
    if (!same_geometry(slot.staged.frame)) break;
    if (direct_pending && direct_->seq < slot.seq) {
      apply(*direct_->frame, *direct_->bands, reinterpret_cast<std::uintptr_t>(direct_->pixels), 0);
      direct_->done = true;
      direct_pending = false;
      committed = true;
    }
    if (path_ == GlesUploadPath::mapped_pbo) {
      glBindBuffer(GL_PIXEL_UNPACK_BUFFER, slot.buffer);
      glUnmapBuffer(GL_PIXEL_UNPACK_BUFFER);  // a mapped buffer cannot be a copy source in GLES 3.0
      glBindBuffer(GL_PIXEL_UNPACK_BUFFER, 0);
      slot.data = nullptr;
    }
    apply(slot.staged.frame, slot.staged.bands, 0, slot.buffer);
    slot.fence = glFenceSync(GL_SYNC_GPU_COMMANDS_COMPLETE, 0);
    slot.state = SlotState::copying;
    committed = true;
  }
  if (direct_pending) {
    // Copied while holding the lock: the frame thread cannot give up on it half-way.
    apply(*direct_->frame, *direct_->bands, reinterpret_cast<std::uintptr_t>(direct_->pixels), 0);
    direct_->done = true;
    committed = true;
  }
  // Submit the copies now (a GPU starts its DMA; the fences can then signal).
  if (committed) glFlush();
  recycle_slots();
  grow_slots();
  changed_.notify_all();
  return committed;
}

void GlesUpload::recycle_slots() {
  for (Slot& slot : slots_) {
    if (slot.state != SlotState::copying) continue;
    const GLenum status = glClientWaitSync(slot.fence, 0, 0);
    if (status != GL_ALREADY_SIGNALED && status != GL_CONDITION_SATISFIED) continue;
    glDeleteSync(slot.fence);
    slot.fence = nullptr;
    if (path_ == GlesUploadPath::mapped_pbo && !map_slot(slot)) continue;
    slot.state = SlotState::free;
  }
}

void GlesUpload::grow_slots() {
  if (wanted_capacity_ == 0) return;
  while (slots_.size() < wanted_slots_) slots_.emplace_back();
  for (Slot& slot : slots_) {
    if ((slot.state != SlotState::free && slot.state != SlotState::unmapped) ||
        slot.capacity >= wanted_capacity_)
      continue;
    destroy_slot(slot);
    while (glGetError() != GL_NO_ERROR) {
    }  // only this allocation's error counts below
    glGenBuffers(1, &slot.buffer);
    glBindBuffer(GL_PIXEL_UNPACK_BUFFER, slot.buffer);
    const auto size = static_cast<GLsizeiptr>(wanted_capacity_);
    if (path_ == GlesUploadPath::persistent_pbo) {
      buffer_storage_(GL_PIXEL_UNPACK_BUFFER, size, nullptr,
                      GL_MAP_WRITE_BIT | GL_MAP_PERSISTENT_BIT_EXT | GL_MAP_COHERENT_BIT_EXT);
    } else {
      glBufferData(GL_PIXEL_UNPACK_BUFFER, size, nullptr, GL_STREAM_DRAW);
    }
    glBindBuffer(GL_PIXEL_UNPACK_BUFFER, 0);
    if (glGetError() != GL_NO_ERROR) {
      spdlog::warn("cannot allocate a {} KiB staging buffer", wanted_capacity_ >> 10);
      destroy_slot(slot);
      continue;
    }
    slot.capacity = wanted_capacity_;
    if (map_slot(slot)) slot.state = SlotState::free;
  }
  wanted_capacity_ = 0;
}

bool GlesUpload::map_slot(Slot& slot) {
  glBindBuffer(GL_PIXEL_UNPACK_BUFFER, slot.buffer);
  // Unsynchronised: the fence already said the GPU is done with the old contents.
  const GLbitfield access = path_ == GlesUploadPath::persistent_pbo
                                ? GL_MAP_WRITE_BIT | GL_MAP_PERSISTENT_BIT_EXT | GL_MAP_COHERENT_BIT_EXT
                                : GL_MAP_WRITE_BIT | GL_MAP_UNSYNCHRONIZED_BIT;
  slot.data = static_cast<std::byte*>(
      glMapBufferRange(GL_PIXEL_UNPACK_BUFFER, 0, static_cast<GLsizeiptr>(slot.capacity), access));
  glBindBuffer(GL_PIXEL_UNPACK_BUFFER, 0);
  if (!slot.data) {
    spdlog::warn("cannot map a staging buffer (GL error 0x{:x})", glGetError());
    slot.state = SlotState::unmapped;
    return false;
  }
  return true;
}

void GlesUpload::destroy_slot(Slot& slot) {
  if (slot.fence) glDeleteSync(slot.fence);
  if (slot.buffer) {
    if (slot.data) {
      glBindBuffer(GL_PIXEL_UNPACK_BUFFER, slot.buffer);
      glUnmapBuffer(GL_PIXEL_UNPACK_BUFFER);
      glBindBuffer(GL_PIXEL_UNPACK_BUFFER, 0);
    }
    glDeleteBuffers(1, &slot.buffer);
  }
  slot = Slot{};
}

void GlesUpload::reset() { texture_.release(); }

}  // namespace kagami::client
