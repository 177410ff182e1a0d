#include "capture/portal/portal_backend.h"

#include <fmt/format.h>
#include <pipewire/pipewire.h>
#include <spa/buffer/meta.h>
#include <spa/param/video/format-utils.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "capture/portal/pipewire_params.h"
#include "capture/portal/spa_meta.h"
#include "capture/rects.h"

namespace kagami::capture {

namespace {

constexpr std::int32_t kDamageRects = 16;  // damage regions asked for per buffer
constexpr auto kNegotiationTimeout = std::chrono::seconds(5);

void on_state_changed(void* data, pw_stream_state, pw_stream_state state, const char* error) {
  static_cast<PortalBackend*>(data)->on_state(static_cast<int>(state), error);
}
void on_param_changed(void* data, std::uint32_t id, const spa_pod* param) {
  if (id == SPA_PARAM_Format && param) static_cast<PortalBackend*>(data)->on_format(param);
}
void on_process(void* data) { static_cast<PortalBackend*>(data)->on_process(); }
void on_remove_buffer(void* data, pw_buffer* buffer) {
  static_cast<PortalBackend*>(data)->on_remove_buffer(buffer);
}

const pw_stream_events& stream_events() {
  static const pw_stream_events events = [] {
    pw_stream_events e{};
    e.version = PW_VERSION_STREAM_EVENTS;
    e.state_changed = on_state_changed;
    e.param_changed = on_param_changed;
    e.process = on_process;
    e.remove_buffer = on_remove_buffer;
    return e;
  }();
  return events;
}

// KVMFR frame type of a negotiated layout: the bytes are copied as they are.
std::optional<protocol::FrameType> frame_type(spa_video_format format) {
  switch (format) {
    case SPA_VIDEO_FORMAT_BGRx:
    case SPA_VIDEO_FORMAT_BGRA:
      return protocol::FrameType::bgra;
    case SPA_VIDEO_FORMAT_RGBx:
    case SPA_VIDEO_FORMAT_RGBA:
      return protocol::FrameType::rgba;
    default:
      return std::nullopt;
  }
}

}  // namespace

PortalBackend::PortalBackend(PortalConfig config) : config_(std::move(config)) {}

PortalBackend::~PortalBackend() { stop(); }

std::string PortalBackend::last_error() const {
  std::lock_guard lock(mutex_);
  return error_;
}

void PortalBackend::stop() {
  if (loop_) {
    pw_thread_loop_lock(loop_);
    if (stream_) pw_stream_destroy(stream_);
    if (core_) pw_core_disconnect(core_);
    pw_thread_loop_unlock(loop_);
    pw_thread_loop_stop(loop_);
    if (context_) pw_context_destroy(context_);
    pw_thread_loop_destroy(loop_);
  }
  loop_ = nullptr;
  context_ = nullptr;
  core_ = nullptr;
  stream_ = nullptr;
  listener_.reset();
  session_.reset();
  std::lock_guard lock(mutex_);
  held_ = reading_ = nullptr;  // the stream and its buffers are gone
  negotiated_ = new_frame_ = lost_ = false;
  full_damage_ = true;
  damage_.clear();
  cursor_.reset();
  cursor_id_ = 0;
}

Result<void> PortalBackend::start() {
  stop();
  session_ = std::make_unique<PortalSession>(config_);
  auto opened = session_->open();
  if (!opened) {
    session_.reset();
    return opened.error();
  }
  cursor_metadata_ = opened->cursor_metadata;
  spdlog::info("portal: sharing PipeWire node {}{}, cursor {}; {} {}", opened->node_id,
               opened->width ? fmt::format(" ({}x{})", opened->width, opened->height) : std::string(),
               cursor_metadata_ ? "as metadata" : "hidden",
               opened->restored      ? "permission restored from"
               : opened->token_saved ? "permission saved to"
                                     : "the portal gave no restore token for",
               session_->token_file());

  static const bool initialised = [] {
    pw_init(nullptr, nullptr);
    return true;
  }();
  (void)initialised;
  loop_ = pw_thread_loop_new("kagami-portal", nullptr);
  context_ = loop_ ? pw_context_new(pw_thread_loop_get_loop(loop_), nullptr, 0) : nullptr;
  if (!context_ || pw_thread_loop_start(loop_) != 0) {
    ::close(opened->pipewire_fd);
    stop();
    return Error{"cannot start a PipeWire loop"};
  }
  pw_thread_loop_lock(loop_);
  core_ = pw_context_connect_fd(context_, opened->pipewire_fd, nullptr, 0);  // owns the fd now
  if (!core_) {
    pw_thread_loop_unlock(loop_);
    stop();
    return Error{fmt::format("cannot connect to PipeWire through the portal's fd: {}", std::strerror(errno))};
  }
  stream_ = pw_stream_new(core_, "kagami-agent",
                          pw_properties_new(PW_KEY_MEDIA_TYPE, "Video", PW_KEY_MEDIA_CATEGORY, "Capture",
                                            PW_KEY_MEDIA_ROLE, "Screen", nullptr));
  listener_ = std::make_unique<spa_hook>();
  pw_stream_add_listener(stream_, listener_.get(), &stream_events(), this);
  std::uint8_t buffer[1024];
  spa_pod_builder builder{};
  spa_pod_builder_init(&builder, buffer, sizeof buffer);
  const spa_pod* params[1] = {kagami_pw_format_param(&builder)};
  const int connected = pw_stream_connect(
      stream_, PW_DIRECTION_INPUT, opened->node_id,
      static_cast<pw_stream_flags>(PW_STREAM_FLAG_AUTOCONNECT | PW_STREAM_FLAG_MAP_BUFFERS), params, 1);
  pw_thread_loop_unlock(loop_);
  if (connected < 0) {
    stop();
    return Error{fmt::format("cannot connect to the portal's PipeWire stream {}: {}", opened->node_id,
                             std::strerror(-connected))};
  }

  std::unique_lock lock(mutex_);
  if (!changed_.wait_for(lock, kNegotiationTimeout, [&] { return negotiated_ || lost_; }) || lost_) {
    const std::string why = lost_ ? error_ : "no video format was agreed within 5 s";
    lock.unlock();
    stop();
    return Error{fmt::format("the portal's PipeWire stream did not start: {}", why)};
  }
  return {};
}

void PortalBackend::on_state(int state, const char* error) {
  spdlog::debug("portal: PipeWire stream {}{}",
                pw_stream_state_as_string(static_cast<pw_stream_state>(state)),
                error ? fmt::format(" ({})", error) : std::string());
  if (state != PW_STREAM_STATE_ERROR && state != PW_STREAM_STATE_UNCONNECTED) return;
  std::lock_guard lock(mutex_);
  lost_ = true;
  error_ = state == PW_STREAM_STATE_ERROR
               ? fmt::format("the PipeWire stream failed: {}", error ? error : "unknown error")
               : "the PipeWire stream was disconnected (sharing stopped?)";
  changed_.notify_all();
}

void PortalBackend::on_format(const void* pod) {
  const auto* param = static_cast<const spa_pod*>(pod);
  spa_video_info_raw info{};
  std::uint32_t media_type = 0, media_subtype = 0;
  if (spa_format_parse(param, &media_type, &media_subtype) < 0 || media_type != SPA_MEDIA_TYPE_video ||
      media_subtype != SPA_MEDIA_SUBTYPE_raw || spa_format_video_raw_parse(param, &info) < 0) {
    return;
  }
  const auto type = frame_type(info.format);
  if (!type || info.size.width == 0 || info.size.height == 0 || info.size.width > 16384 ||
      info.size.height > 16384) {
    std::lock_guard lock(mutex_);
    lost_ = true;
    error_ = fmt::format("the portal offered an unusable video format ({} {}x{})",
                         static_cast<int>(info.format), info.size.width, info.size.height);
    changed_.notify_all();
    return;
  }
  {
    std::lock_guard lock(mutex_);
    format_ = FrameFormat{};
    format_.type = *type;
    format_.width = info.size.width;
    format_.height = info.size.height;
    format_.pitch = info.size.width * 4;
    full_damage_ = true;
    damage_.clear();
    negotiated_ = true;
    changed_.notify_all();
  }
  std::uint8_t buffer[1024];
  spa_pod_builder builder{};
  spa_pod_builder_init(&builder, buffer, sizeof buffer);
  const spa_pod* params[4];
  const std::uint32_t n =
      kagami_pw_buffer_params(&builder, params, static_cast<std::int32_t>(info.size.width * 4),
                              static_cast<std::int32_t>(info.size.height), kDamageRects);
  pw_stream_update_params(stream_, params, n);
}

namespace {

// The cursor metadata of one buffer, if any.
std::optional<protocol::CursorUpdate> cursor_of(spa_buffer* buffer) {
  spa_meta* meta = spa_buffer_find_meta(buffer, SPA_META_Cursor);
  return meta ? cursor_from_meta(meta->data, meta->size) : std::nullopt;
}

// Adds one buffer's damage to `rects`; false when the buffer has none (everything changed).
bool add_damage_of(spa_buffer* buffer, std::uint32_t width, std::uint32_t height, std::vector<Rect>& rects) {
  spa_meta* meta = spa_buffer_find_meta(buffer, SPA_META_VideoDamage);
  return meta && damage_from_meta(meta->data, meta->size, width, height, rects);
}

bool has_pixels(spa_buffer* buffer) {
  if (buffer->n_datas == 0) return false;
  const spa_data& d = buffer->datas[0];
  return d.data && d.chunk && d.chunk->size > 0 && (d.chunk->flags & SPA_CHUNK_FLAG_CORRUPTED) == 0;
}

}  // namespace

void PortalBackend::on_process() {
  // Every waiting buffer: their damage and cursor updates add up; the newest is kept (dequeued)
  // for read_pixels, the others go back to PipeWire at once.
  std::vector<pw_buffer*> buffers;
  while (pw_buffer* b = pw_stream_dequeue_buffer(stream_)) buffers.push_back(b);
  if (buffers.empty()) return;
  if (spdlog::should_log(spdlog::level::trace)) {
    const spa_buffer* b = buffers.back()->buffer;
    spdlog::trace("portal: {} buffer(s); newest: {} data, type {}, mapped {}, chunk size {} stride {}",
                  buffers.size(), b->n_datas, b->n_datas ? b->datas[0].type : 0u,
                  b->n_datas && b->datas[0].data != nullptr, b->n_datas ? b->datas[0].chunk->size : 0u,
                  b->n_datas ? b->datas[0].chunk->stride : 0);
  }

  std::vector<pw_buffer*> give_back;
  {
    std::lock_guard lock(mutex_);
    std::vector<Rect> rects;
    bool whole = false;
    pw_buffer* newest = nullptr;
    for (pw_buffer* b : buffers) {
      if (cursor_metadata_) {
        if (auto c = cursor_of(b->buffer)) {
          if (cursor_ && !c->shape) c->shape = std::move(cursor_->shape);  // keep a shape not yet sent
          cursor_ = std::move(c);
          changed_.notify_all();
        }
      }
      if (!has_pixels(b->buffer) || !negotiated_) continue;
      newest = b;
      if (!add_damage_of(b->buffer, format_.width, format_.height, rects)) whole = true;
    }
    for (pw_buffer* b : buffers) {
      if (b != newest) give_back.push_back(b);
    }
    if (newest) {
      // The buffer read_pixels may be copying from stays with it: it gives it back when done.
      if (held_ && held_ != reading_) give_back.push_back(held_);
      held_ = newest;
      if (whole) {
        full_damage_ = true;
      } else {
        for (const Rect& r : rects) add_rect(damage_, clip(r, format_.width, format_.height));
      }
      new_frame_ = new_frame_ || whole || !rects.empty();
      changed_.notify_all();
    }
  }
  for (pw_buffer* b : give_back) pw_stream_queue_buffer(stream_, b);
}

void PortalBackend::on_remove_buffer(pw_buffer* buffer) {
  // PipeWire unmaps it after this returns (a new format): never while read_pixels copies from it.
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return reading_ != buffer; });
  if (held_ == buffer) held_ = nullptr;
  ++removals_;
}

CaptureStatus PortalBackend::capture(std::chrono::milliseconds timeout, CaptureEvent* event) {
  *event = CaptureEvent{};
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (session_ && session_->closed()) {
      std::lock_guard lock(mutex_);
      error_ = "the desktop closed the screen-cast session (sharing stopped)";
      return CaptureStatus::reinit;
    }
    std::unique_lock lock(mutex_);
    // Short waits, so the session's Closed signal is seen.
    const auto slice = std::min(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(100));
    changed_.wait_until(lock, slice, [&] { return new_frame_ || cursor_ || lost_; });
    if (lost_) return CaptureStatus::reinit;
    if (cursor_) {
      event->cursor = std::move(cursor_);
      cursor_.reset();
    }
    if (new_frame_) {
      event->frame = true;
      event->format = format_;
      event->full_damage = full_damage_;
      if (!full_damage_) event->damage = std::move(damage_);
      damage_.clear();
      full_damage_ = false;
      new_frame_ = false;
    }
    if (event->frame || event->cursor) return CaptureStatus::ok;
    if (std::chrono::steady_clock::now() >= deadline) return CaptureStatus::timeout;
  }
}

CaptureStatus PortalBackend::read_pixels(const FrameTarget& target, std::span<const Rect> rects) {
  std::unique_lock lock(mutex_);
  if (target.pitch != format_.pitch) {
    error_ = fmt::format("frame pitch {} does not match the stream ({} bytes per row)", target.pitch,
                         format_.pitch);
    return CaptureStatus::error;
  }
  // No buffer after a new format, until the producer sends one: that frame comes whole, later.
  if (!held_) return CaptureStatus::ok;
  pw_buffer* buffer = held_;
  reading_ = buffer;
  const std::uint64_t generation = removals_;
  const FrameFormat format = format_;
  lock.unlock();  // PipeWire's thread goes on while this copies

  // The buffer's layout, read once and checked: every row read lies inside the mapping.
  const spa_data& data = buffer->buffer->datas[0];
  const std::uint64_t maxsize = data.maxsize;
  const std::uint64_t offset = std::min<std::uint64_t>(data.chunk->offset, maxsize);
  const std::int32_t chunk_stride = data.chunk->stride;
  const std::uint32_t stride = chunk_stride > 0 ? static_cast<std::uint32_t>(chunk_stride) : format.pitch;
  const auto* source = static_cast<const std::byte*>(data.data) + offset;
  const auto rows = static_cast<std::uint32_t>(
      std::min<std::uint64_t>({format.height, target.pixels.size() / target.pitch,
                               stride < format.pitch ? 0 : (maxsize - offset) / stride}));
  copy_rects_in_order(
      rects_to_copy(rects, format.width, format.height, rows), target.pitch, rows,
      [&](const Rect& r) {
        for (std::uint32_t y = r.y; y < r.y + r.height; ++y) {
          std::memcpy(target.pixels.data() + std::size_t{y} * target.pitch + std::size_t{r.x} * 4,
                      source + std::size_t{y} * stride + std::size_t{r.x} * 4, std::size_t{r.width} * 4);
        }
      },
      target.progress);

  lock.lock();
  reading_ = nullptr;
  const bool superseded = held_ != buffer;  // a newer one came meanwhile: this one is ours to give back
  changed_.notify_all();
  lock.unlock();
  if (superseded && loop_) {
    // Under the loop's lock no buffer can be removed; one removed since the copy (a new format)
    // may be freed already, and PipeWire takes them all back with the old format anyway.
    pw_thread_loop_lock(loop_);
    bool alive;
    {
      std::lock_guard again(mutex_);
      alive = removals_ == generation;
    }
    if (alive) pw_stream_queue_buffer(stream_, buffer);
    pw_thread_loop_unlock(loop_);
  }
  return CaptureStatus::ok;
}

}  // namespace kagami::capture
