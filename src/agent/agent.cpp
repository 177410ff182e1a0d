#include "agent/agent.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <thread>
#include <vector>

#include "capture/rects.h"
#include "protocol/kvmfr_frame.h"

namespace kagami::agent {

namespace {

constexpr std::chrono::milliseconds kSlotBusyRetry{1};  // capture wait while both frame slots are held
constexpr std::chrono::seconds kReinitRetry{1};

std::string mib(std::uint64_t bytes) {
  return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1 << 20));
}

}  // namespace

Agent::Agent(AgentRegion region, capture::CaptureBackend& backend, protocol::GuestInfo info,
             AgentConfig config)
    : region_(region),
      backend_(backend),
      info_(std::move(info)),
      config_(config),
      host_(clock_, random_),
      tracker_(protocol::kFrameBuffers, protocol::kMaxDamageRects) {}

AgentStats Agent::stats() const {
  std::lock_guard lock(stats_mutex_);
  return stats_;
}

Result<void> Agent::setup_region() {
  auto result = host_.setup(region_.bytes, info_);
  if (!result) return result;
  ++generation_;
  repairs_seen_ = host_.repairs();
  return {};
}

void Agent::timer_loop(const std::atomic<bool>& stop, std::stop_token token) {
  auto next = std::chrono::steady_clock::now();
  while (!stop.load() && !token.stop_requested()) {
    next += config_.tick;
    std::this_thread::sleep_until(next);
    if (region_.current_size) {
      // Truncated under us (the SIGBUS guard in shm/ turned the lost pages into zeros, so
      // nothing dies): what is published there reaches nobody, and a heartbeat would keep
      // viewers "connected" to it. Stop here; run() returns the error.
      if (const std::uint64_t size = region_.current_size(); size < region_.bytes.size()) {
        shrunk_size_ = size;
        region_shrank_ = true;
        return;
      }
    }
    std::vector<protocol::KvmfrSetCursorPos> messages;
    {
      std::lock_guard lock(host_mutex_);
      const protocol::LgmpStatus status = host_.process();
      if (status == protocol::LgmpStatus::corrupted) {
        // A client wiped the magic, holds a lock forever or broke the ring's start/count: what
        // cannot be repaired field by field is set up again (a new session; viewers rejoin).
        reset_log_.warn(
            "the shared memory was corrupted (LGMP_ERR_CORRUPTED): set up again with a new session");
        if (auto r = setup_region(); !r) spdlog::error("{}", r.error().message);
        std::lock_guard s(stats_mutex_);
        ++stats_.region_resets;
      } else if (status != protocol::LgmpStatus::ok) {
        spdlog::debug("LGMP process: {}", protocol::to_string(status));
      }
      if (const std::uint64_t repairs = host_.repairs(); repairs != repairs_seen_) {
        repair_log_.warn(
            fmt::format("a client overwrote fields of the region that only the agent writes; "
                        "repaired {} (last: {})",
                        repairs - repairs_seen_, host_.last_repair()));
        std::lock_guard s(stats_mutex_);
        stats_.repairs += repairs - repairs_seen_;
        repairs_seen_ = repairs;
      }
      messages = host_.take_client_messages();
    }
    reset_log_.flush();
    repair_log_.flush();
    for (const auto& m : messages) {
      backend_.set_cursor_position(m.x, m.y);
    }
    if (!messages.empty()) {
      std::lock_guard s(stats_mutex_);
      stats_.client_messages += messages.size();
    }
    // After a stall (suspend, debugger) do not run a burst of ticks.
    next = std::max(next, std::chrono::steady_clock::now() - config_.tick);
  }
}

void Agent::note_format(const capture::FrameFormat& f, std::uint32_t rows) {
  spdlog::info("frame format {} {}x{}, pitch {} (formatVer {})", protocol::frame_type_name(f.type), f.width,
               f.height, f.pitch, format_ver_);
  if (rows < f.height) {
    const std::uint64_t needed = protocol::recommended_region_size(f.width, f.height, f.hdr);
    spdlog::error(
        "the shared memory is too small for {}x{}: a frame needs {} but each frame buffer holds {}, so "
        "only the top {} rows are sent (TRUNCATED). Use a region of {} (kagami-setup size {}x{}).",
        f.width, f.height, mib(std::uint64_t{f.pitch} * f.height), mib(host_.frame_capacity()), rows,
        mib(needed), f.width, f.height);
  }
}

protocol::FrameDescription Agent::describe(const capture::FrameFormat& f, std::uint32_t rows,
                                           std::span<const protocol::FrameDamageRect> damage) const {
  protocol::FrameDescription d;
  d.format_ver = format_ver_;
  d.frame_serial = frame_serial_;
  d.type = f.type;
  d.screen_width = d.data_width = d.frame_width = f.width;
  d.screen_height = d.frame_height = f.height;
  d.data_height = rows;
  d.rotation = f.rotation;
  d.stride = f.pitch / protocol::bytes_per_texel(f.type);
  d.pitch = f.pitch;
  d.flags = (rows < f.height ? protocol::kFrameFlagTruncated : 0u) | (f.hdr ? protocol::kFrameFlagHdr : 0u) |
            (f.hdr_pq ? protocol::kFrameFlagHdrPq : 0u);
  d.damage = damage;
  return d;
}

bool Agent::publish(Pending& pending) {
  std::unique_lock lock(host_mutex_);
  if (!host_.frame_slot_free()) return false;

  const capture::FrameFormat& f = pending.format;
  if (seen_generation_ != generation_) {
    seen_generation_ = generation_;
    tracker_.invalidate_all();
  }
  const bool new_format = !have_format_ || !(f == format_);
  const std::uint64_t capacity = host_.frame_capacity();
  const std::uint32_t rows =
      f.pitch == 0 ? 0 : static_cast<std::uint32_t>(std::min<std::uint64_t>(f.height, capacity / f.pitch));
  if (new_format) {
    have_format_ = true;
    format_ = f;
    tracker_.invalidate_all();
    pending.damage.reset();  // a new format is announced whole
    ++format_ver_;
    {
      std::lock_guard s(stats_mutex_);
      stats_.format_ver = format_ver_;
      ++stats_.format_changes;
    }
    note_format(f, rows);
  }
  if (rows == 0) return true;  // not even one row fits; note_format said why. Drop the frame.

  // The message's damage: this frame's change relative to the previous one (what a client
  // holding the previous frame must upload), at most 64 rects; none = everything.
  std::vector<protocol::FrameDamageRect> announced;
  if (pending.damage) {
    for (const capture::Rect& r : *pending.damage) {
      const capture::Rect c = capture::clip(r, f.width, rows);
      if (c.width) announced.push_back({c.x, c.y, c.width, c.height});
    }
    if (announced.empty()) return true;  // the change is all in rows a truncated frame leaves out
  }
  const std::uint32_t buffer = host_.next_frame_buffer();
  const Damage copy = tracker_.frame_written(buffer, pending.damage, f.width, rows);

  const protocol::FrameDescription d = describe(f, rows, announced);
  auto write = host_.post_frame(d);
  lock.unlock();
  if (!write) {
    spdlog::error("posting a frame failed: {}", write.error().message);
    tracker_.invalidate_all();  // the tracker counted this buffer as written
    return true;
  }

  capture::FrameTarget target;
  target.pixels = write->pixels();
  target.pitch = f.pitch;
  target.region_fd = region_.fd;
  target.region_offset = write->pixels_offset();
  protocol::FrameWrite& w = *write;
  target.progress = [&w](std::uint64_t bytes) { w.advance(bytes); };
  const std::vector<capture::Rect> none;
  const auto copy_start = std::chrono::steady_clock::now();
  const capture::CaptureStatus status = backend_.read_pixels(target, copy ? *copy : none);
  const auto copy_time = std::chrono::steady_clock::now() - copy_start;
  w.finish();  // even after a failed read: a client must never wait on this frame forever
  if (status != capture::CaptureStatus::ok) {
    spdlog::warn("reading the frame failed: {}", backend_.last_error());
    tracker_.invalidate_all();
  }

  have_posted_ = true;
  ++frame_serial_;
  std::lock_guard s(stats_mutex_);
  ++stats_.frames;
  if (!copy) ++stats_.full_copies;
  stats_.copy_ns += static_cast<std::uint64_t>(std::chrono::nanoseconds(copy_time).count());
  if (rows < f.height) ++stats_.truncated_frames;
  std::uint64_t copied = 0;
  if (copy) {
    for (const capture::Rect& r : *copy) copied += capture::area(r) * (f.pitch / f.width);
  } else {
    copied = std::uint64_t{rows} * f.pitch;
  }
  stats_.bytes_copied += copied;
  return true;
}

void Agent::post_cursor(const protocol::CursorUpdate& update) {
  protocol::LgmpStatus status;
  {
    std::lock_guard lock(host_mutex_);
    status = host_.post_cursor(update);
  }
  if (status != protocol::LgmpStatus::ok) {
    // A slow client: the position is dropped (a newer one follows); the host resends a
    // pending shape with the next update.
    spdlog::debug("cursor update dropped: {}", protocol::to_string(status));
    return;
  }
  std::lock_guard s(stats_mutex_);
  ++stats_.cursor_updates;
}

void Agent::serve_new_subscribers(bool frame_pending) {
  std::lock_guard lock(host_mutex_);
  // Wanted until done: a repost that finds the queue full (held by a subscriber that is gone)
  // is tried again on the next pass instead of being forgotten.
  host_.probe_full_queues();
  if (host_.new_pointer_subscribers() > 0) cursor_repost_wanted_ = true;
  if (host_.new_frame_subscribers() > 0) frame_repost_wanted_ = true;
  if (cursor_repost_wanted_) {
    const protocol::LgmpStatus r = host_.repost_cursor();
    cursor_repost_wanted_ = r != protocol::LgmpStatus::ok;
    if (cursor_repost_wanted_) spdlog::debug("cursor repost: {}", protocol::to_string(r));
  }
  // A new frame about to be posted serves the newcomer too; else give it the last frame (B7),
  // announced whole.
  if (frame_repost_wanted_ && (frame_pending || !have_posted_ || seen_generation_ != generation_)) {
    frame_repost_wanted_ = false;
  } else if (frame_repost_wanted_) {
    if (auto r = host_.repost_last_frame(); r) {
      frame_repost_wanted_ = false;
      std::lock_guard s(stats_mutex_);
      ++stats_.reposts;
    } else {
      spdlog::debug("frame repost: {}", r.error().message);
    }
  }
}

Result<void> Agent::run(const std::atomic<bool>& stop) {
  {
    std::lock_guard lock(host_mutex_);
    info_.output = backend_.output();
    if (auto r = setup_region(); !r) return r;
  }
  if (const auto& o = info_.output) {
    spdlog::info("output {} ({} of {}): {}x{} at {},{} in a {}x{} desktop", o->name, o->index + 1, o->count,
                 o->rect.width, o->rect.height, o->rect.x, o->rect.y, o->desktop.width, o->desktop.height);
  }
  spdlog::info("publishing into {} of shared memory, {} per frame buffer, capture: {}",
               mib(region_.bytes.size()), mib(host_.frame_capacity()), backend_.name());
  // The heartbeat lives exactly as long as this call: every return (a stop, a fatal capture
  // error) stops and joins it, so viewers see "agent stopped" instead of a live heartbeat over
  // a frozen image.
  std::jthread timer([this, &stop](std::stop_token token) { timer_loop(stop, token); });

  const auto min_interval =
      config_.fps_max ? std::chrono::microseconds(1'000'000 / config_.fps_max) : std::chrono::microseconds(0);
  Pending pending;
  bool idle = false;
  while (!stop.load()) {
    if (region_shrank_.load()) {
      return Error{
          fmt::format("the shared memory's file shrank to {} under the agent (it was {}): stopped "
                      "publishing. Give it its "
                      "size back (kagami-setup shm --size {}M) and start the agent again.",
                      mib(shrunk_size_.load()), mib(region_.bytes.size()), region_.bytes.size() >> 20)};
    }
    bool subscribed;
    std::uint64_t generation;
    {
      std::lock_guard lock(host_mutex_);
      subscribed = host_.has_subscribers();
      generation = generation_;
    }
    if (!subscribed) {
      if (!idle) spdlog::info("no client: capture paused");
      idle = true;
      std::this_thread::sleep_for(config_.idle_check);
      continue;
    }
    if (idle) {
      // What changed while paused is unknown: the next frame is copied whole into every buffer.
      spdlog::info("client connected: capture resumed");
      idle = false;
      tracker_.invalidate_all();
      if (pending.frame) pending.damage.reset();
    }

    // While a frame waits (both slots held, or the rate limit), capture only briefly and keep
    // collecting damage: a slow client delays frames, never the capture.
    const auto now = std::chrono::steady_clock::now();
    std::chrono::milliseconds timeout = config_.capture_timeout;
    if (pending.frame) {
      timeout =
          std::max(kSlotBusyRetry, std::chrono::duration_cast<std::chrono::milliseconds>(next_post_ - now));
    }
    capture::CaptureEvent event;
    const capture::CaptureStatus status =
        backend_.capture(std::min(timeout, config_.capture_timeout), &event);
    if (status == capture::CaptureStatus::reinit) {
      spdlog::warn("capture lost ({}): restarting {}", backend_.last_error(), backend_.name());
      while (!stop.load()) {
        if (auto r = backend_.start(); r)
          break;
        else
          spdlog::warn("{} (retrying)", r.error().message);
        std::this_thread::sleep_for(kReinitRetry);
      }
      if (auto output = backend_.output(); output != info_.output) {
        // The output moved or resized in the guest desktop: its record is written at setup, so
        // viewers learn the new placement from a new session.
        std::lock_guard lock(host_mutex_);
        info_.output = output;
        if (output)
          spdlog::info("output {} is now {}x{} at {},{}: new session", output->name, output->rect.width,
                       output->rect.height, output->rect.x, output->rect.y);
        if (auto r = setup_region(); !r) return r;
        have_posted_ = false;
      }
      pending = Pending{};
      continue;
    }
    if (status == capture::CaptureStatus::error) {
      return Error{fmt::format("capture ({}) failed: {}", backend_.name(), backend_.last_error())};
    }
    if (status == capture::CaptureStatus::ok) {
      if (event.cursor) post_cursor(*event.cursor);
      if (event.frame) {
        Damage damage;
        if (!event.full_damage) damage = std::move(event.damage);
        if (!pending.frame) {
          pending.damage = std::vector<capture::Rect>{};
        } else if (!(pending.format == event.format)) {
          pending.damage.reset();  // the format changed under a waiting frame
        }
        accumulate(pending.damage, damage, protocol::kMaxDamageRects);
        pending.frame = true;
        pending.format = event.format;
        std::lock_guard s(stats_mutex_);
        ++stats_.captured;
      }
    }
    if (generation != seen_generation_ && have_posted_ && !pending.frame) {
      // The region was set up again (a new session): its buffers hold nothing. Send the screen
      // as it is now, whole, rather than waiting for it to change (a still screen would leave
      // every viewer blank).
      pending.frame = true;
      pending.format = format_;
      pending.damage.reset();
    }
    serve_new_subscribers(pending.frame);
    if (pending.frame && std::chrono::steady_clock::now() >= next_post_) {
      if (publish(pending)) {
        pending = Pending{};
        next_post_ = std::chrono::steady_clock::now() + min_interval;
      }
    }
  }
  spdlog::info("stopping: heartbeat ends, clients will report the agent stopped");
  return {};
}

}  // namespace kagami::agent
