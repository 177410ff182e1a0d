#pragma once
// The GLES upload: frames go from the mapped region into the frame texture in two steps on two
// threads, so neither the guest's writing nor the GPU's copy holds up the render thread:
//   frame thread  (upload)  — waits for the agent's write pointer band by band and copies each band
//                             into a staging PBO that stays mapped (a CPU memcpy into driver
//                             memory, overlapping the guest's writing), then marks the slot staged.
//   render thread (commit)  — glTexSubImage2D from each staged PBO in arrival order (on a GPU a
//                             DMA), a fence per slot, and the slot is reused once its fence passed.
// Paths, best first (the one in use is in describe()):
//   persistent PBOs — GL_EXT_buffer_storage: mapped once (MAP_PERSISTENT | MAP_COHERENT);
//   mapped PBOs     — plain GLES 3: the render thread unmaps a staged slot to copy from it and maps
//                     it again (MAP_UNSYNCHRONIZED) once the copy's fence passed;
//   direct          — no staging: the frame thread waits for the whole frame, then the render
//                     thread copies straight from the region while the frame thread waits (used
//                     when PBOs cannot be made, when the memory budget has no room for a slot, or
//                     with KAGAMI_GLES_UPLOAD=direct).
// Every staged frame is committed in order before a draw, so damage is never lost and the image
// drawn is always the newest frame received.
//
// Shared state (slots' states and staged frames, the direct job, requests) is guarded by mutex_;
// a slot's memory is written only by the frame thread while the slot is `filling`, and read by the
// GL only while it is `staged`/`copying`.
#include <GLES3/gl3.h>
// After gl3.h: the extension prototypes (GL_EXT_buffer_storage).
#include <GLES2/gl2ext.h>

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "client/gles/frame_texture.h"
#include "client/renderer.h"
#include "client/upload_plan.h"

namespace kagami::client {

enum class GlesUploadPath { persistent_pbo, mapped_pbo, direct };
const char* to_string(GlesUploadPath path);

class GlesUpload {
 public:
  // Render thread, with the context current. `wake` asks the render thread to commit soon.
  GlesUpload(GlesUploadPath path, std::function<void()> wake);
  ~GlesUpload();  // render thread
  GlesUpload(const GlesUpload&) = delete;
  GlesUpload& operator=(const GlesUpload&) = delete;

  GlesUploadPath path() const { return path_; }

  // Frame thread (or the render thread itself: see render_thread_).
  UploadStats upload(const FrameSource& source);

  // Render thread: everything staged goes into the texture, in order. Without allow_new_geometry
  // it stops before a frame whose geometry differs from geometry() (render() draws with a layout
  // computed from the geometry its caller saw). True when a new frame was committed.
  bool commit(bool allow_new_geometry);
  // Any thread: a staged slot or a direct job not committed yet.
  bool pending();
  // Render thread: the committed image.
  const FrameTexture& texture() const { return texture_; }
  FrameTexture& texture() { return texture_; }
  const FrameGeometry& geometry() const { return geometry_; }
  protocol::FrameType type() const { return type_; }
  std::uint32_t flags() const { return flags_; }
  std::uint32_t serial() const { return serial_; }  // the committed frame's (latency trace)
  void reset();

  // Render thread, at shutdown: a frame thread still waiting in upload() gives up at once.
  void close();

 private:
  enum class SlotState { unmapped, free, filling, staged, copying };
  struct Staged {
    protocol::ValidatedFrame frame;
    std::vector<UploadBand> bands;
  };
  struct Slot {
    GLuint buffer = 0;
    std::byte* data = nullptr;  // the mapping while free/filling
    std::size_t capacity = 0;
    SlotState state = SlotState::unmapped;
    GLsync fence = nullptr;
    std::uint64_t seq = 0;
    Staged staged;
  };
  struct DirectJob {
    const protocol::ValidatedFrame* frame = nullptr;
    const std::vector<UploadBand>* bands = nullptr;
    const std::byte* pixels = nullptr;
    std::uint64_t seq = 0;
    bool done = false;
  };

  UploadStats upload_direct(const FrameSource& source, const std::vector<UploadBand>& bands,
                            const std::byte* pixels, UploadStats stats);
  // Frame thread, mutex_ held: a free slot of at least `bytes`, asking the render thread for one
  // (bounded wait). nullopt: none within the wait (or closing).
  std::optional<std::size_t> acquire_slot(std::unique_lock<std::mutex>& lock, std::size_t bytes,
                                          std::size_t slots);
  // Render thread, mutex_ held.
  bool commit_locked(bool allow_new_geometry);
  // Configures the texture for `frame` and copies its bands from `source` (an offset into
  // `buffer`, or a client pointer when buffer is 0).
  void apply(const protocol::ValidatedFrame& frame, const std::vector<UploadBand>& bands,
             std::uintptr_t source, GLuint buffer);
  void recycle_slots();
  void grow_slots();
  bool map_slot(Slot& slot);
  void destroy_slot(Slot& slot);

  const GlesUploadPath path_;
  const std::function<void()> wake_;
  // upload() called on the render thread itself (tests, single-threaded use) runs the render
  // thread's steps inline instead of waiting for them.
  const std::thread::id render_thread_;
  PFNGLBUFFERSTORAGEEXTPROC buffer_storage_ = nullptr;

  std::mutex mutex_;
  std::condition_variable changed_;  // a slot became free, a direct job finished, closing
  std::vector<Slot> slots_;
  std::size_t wanted_capacity_ = 0;  // frame thread asks, render thread grows
  std::size_t wanted_slots_ = 0;
  std::optional<DirectJob> direct_;
  std::uint64_t seq_ = 0;
  bool closing_ = false;

  // Frame thread only: what the last staged frame looked like (a change means a new texture).
  struct Format {
    protocol::FrameType type = protocol::FrameType::invalid;
    std::uint32_t data_width = 0, data_height = 0, frame_width = 0, frame_height = 0;
    bool operator==(const Format&) const = default;
  } last_format_;

  // Render thread only.
  FrameTexture texture_;
  FrameGeometry geometry_;
  protocol::FrameType type_ = protocol::FrameType::invalid;
  std::uint32_t flags_ = 0;
  std::uint32_t serial_ = 0;
};

}  // namespace kagami::client
