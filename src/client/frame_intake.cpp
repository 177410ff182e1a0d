#include "client/frame_intake.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <time.h>

#include <algorithm>

#include "client/frame_bounds.h"
#include "client/kvmfr_dmabuf.h"
#include "client/latency_trace.h"
#include "common/region_size.h"

namespace kagami::client {
namespace {

constexpr std::uint64_t kRegionRetryNs = 1'000'000'000;
// At most one frame format change (a new texture) per interval.
constexpr std::uint64_t kReformatIntervalNs = 250'000'000;

void sleep_ns(std::uint64_t ns) {
  timespec ts{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
  clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, nullptr);
}

}  // namespace

FrameIntake::FrameIntake(IntakeSettings settings, Renderer& renderer, std::function<void()> wake)
    : settings_(std::move(settings)), renderer_(renderer), wake_(std::move(wake)) {
  shared_.status = fmt::format("opening {}", settings_.shm);
  thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

FrameIntake::~FrameIntake() { stop(); }

void FrameIntake::stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  thread_.join();
  session_.reset();  // unsubscribes: the agent stops sending at once
  region_.reset();
}

void FrameIntake::snapshot(IntakeSnapshot& out) {
  std::lock_guard lock(mutex_);
  std::optional<CursorImage> image = std::move(shared_.cursor_image);
  shared_.cursor_image.reset();
  const std::uint64_t upload_ns = shared_.upload_ns, cpu_ns = shared_.upload_cpu_ns,
                      bytes = shared_.upload_bytes;
  shared_.upload_ns = shared_.upload_cpu_ns = shared_.upload_bytes = 0;
  if (out.version != shared_.version) {
    out = shared_;
  }
  out.cursor_image = std::move(image);
  out.upload_ns = upload_ns;
  out.upload_cpu_ns = cpu_ns;
  out.upload_bytes = bytes;
}

void FrameIntake::publish() {
  ++shared_.version;
  wake_();
}

void FrameIntake::run(std::stop_token stop) {
  while (!stop.stop_requested()) {
    const std::uint64_t now = monotonic_ns();
    bool active = try_open_region(now);
    if (region_shrunk(now)) {
      sleep_ns(10'000'000);  // nothing to read until the file is whole again
      continue;
    }
    if (session_) {
      active |= poll_session();
      if (session_->connected()) {
        active |= take_cursor_updates();
        active |= take_frame(stop);
      }
    }
    if (active) continue;
    // The LGMP queues have no wake-up signal: poll. Right after a frame a yield (the next one
    // often follows at once at high rates), then 1 ms slices while frames flow, 2 ms after a
    // quiet second, 10 ms while there is no agent.
    const std::uint64_t since = monotonic_ns() - last_frame_ns_;
    if (since < 200'000) {
      sched_yield();
    } else {
      const bool connected = session_ && session_->connected();
      sleep_ns(!connected ? 10'000'000 : since > 1'000'000'000 ? 2'000'000 : 1'000'000);
    }
  }
}

bool FrameIntake::try_open_region(std::uint64_t now_ns) {
  if (region_ || now_ns < next_region_attempt_ns_) return false;
  next_region_attempt_ns_ = now_ns + kRegionRetryNs;
  auto region = shm::open_region(settings_.shm);
  std::string status;
  if (!region) {
    status = fmt::format("no region at {}: {}. Waiting for it (start the VM, or run kagami-setup).",
                         settings_.shm, region.error().message);
  } else if (auto problem = region_size_problem((*region)->bytes().size())) {
    // The same rule as the agent and `kagami-setup doctor` (common/region_size.h).
    status = fmt::format("region too small: {}: {}", (*region)->describe(), *problem);
  } else {
    region_ = std::move(*region);
    spdlog::info("region: {}", region_->describe());
    if (region_->fd() >= 0 && kvmfr::dmabuf_unavailable_reason(region_->fd()).empty())
      spdlog::info(
          "kvmfr device: DMA-BUF import is not used yet; frames go through the renderer's upload path");
    session_ = std::make_unique<protocol::KvmfrSession>(region_->bytes(), clock_, random_);
  }
  std::lock_guard lock(mutex_);
  if (region_) shared_.region = region_->describe();
  if (!status.empty() && status != shared_.status) {
    spdlog::info("status: {}", status);
    shared_.status = status;
  }
  publish();
  return region_ != nullptr;
}

bool FrameIntake::region_shrunk(std::uint64_t now_ns) {
  if (!region_) return false;
  // shrunk() is an atomic the SIGBUS guard sets on a read past the file's end; the size itself is
  // one fstat, looked at a few times a second (at once after a fault).
  const bool faulted = region_->shrunk();
  if (!faulted && now_ns < next_size_check_ns_) return shrunk_;
  next_size_check_ns_ = now_ns + (shrunk_ ? 100'000'000 : 250'000'000);
  const std::uint64_t size = region_->current_file_size(), mapped = region_->bytes().size();
  if (size < mapped) {
    if (!shrunk_) {
      shrunk_ = true;
      session_.reset();  // what it reads now is zeros, not the agent's
      need_full_ = true;
      const std::string status = fmt::format(
          "the region shrank to {} MiB (it was {} MiB): something truncated {} while it was in use. Waiting "
          "for "
          "it to be whole again (restart the VM, or `kagami-setup shm` with the size it had)",
          size >> 20, mapped >> 20, settings_.shm);
      spdlog::warn("{}", status);
      std::lock_guard lock(mutex_);
      shared_.status = status;
      shared_.connected = false;
      publish();
    }
    return true;
  }
  if (shrunk_ || faulted) {
    if (auto remapped = region_->remap(); !remapped) {
      spdlog::warn("the region is whole again but cannot be mapped again: {}", remapped.error().message);
      return true;
    }
    spdlog::info("the region is whole again ({} MiB): attaching again", mapped >> 20);
    shrunk_ = false;
    need_full_ = true;
    session_ = std::make_unique<protocol::KvmfrSession>(region_->bytes(), clock_, random_);
  }
  return false;
}

bool FrameIntake::poll_session() {
  const protocol::SessionStatus& status = session_->poll();
  const protocol::SessionCounters& counters = session_->counters();
  if (counters.resubscribes != resubscribes_) {
    resubscribes_ = counters.resubscribes;
    need_full_ = true;  // frames were missed while we were out
    spdlog::warn("the agent evicted this client after a stall (queue timeout); subscribed again");
  }
  std::lock_guard lock(mutex_);
  const bool connected = status.state == protocol::SessionState::connected;
  if (status.message == shared_.status && connected == shared_.connected &&
      counters.sessions == shared_.sessions && counters.rejected_frames == shared_.rejected_frames)
    return false;
  if (status.message != shared_.status) spdlog::info("status: {}", status.message);
  if (counters.sessions != shared_.sessions)
    need_full_ = true;  // a new agent: its frames say nothing of ours
  shared_.status = status.message;
  shared_.connected = connected;
  shared_.sessions = counters.sessions;
  shared_.rejected_frames = counters.rejected_frames;
  if (connected) shared_.guest = session_->guest();
  publish();
  return true;
}

bool FrameIntake::take_cursor_updates() {
  bool any = false;
  for (int i = 0; i < 64; ++i) {  // bounded: a flood of cursor messages must not starve frames
    auto update = session_->receive_cursor();
    if (!update) {
      spdlog::debug("cursor update rejected: {}", update.error().message);
      continue;
    }
    if (!update->has_value()) break;
    const protocol::CursorUpdate& u = **update;
    std::optional<CursorImage> image;
    if (u.shape) {
      auto made = make_cursor_image(*u.shape);
      if (made)
        image = std::move(*made);
      else
        spdlog::warn("{}", made.error().message);
    }
    std::lock_guard lock(mutex_);
    if (u.has_position) {
      shared_.cursor_x = u.x;
      shared_.cursor_y = u.y;
    }
    shared_.cursor_visible = u.visible;
    ++shared_.cursor_moves;
    if (image) shared_.cursor_image = std::move(image);
    any = true;
  }
  if (any) {
    std::lock_guard lock(mutex_);
    publish();
  }
  return any;
}

bool FrameIntake::wait_ready(const protocol::FrameLease& lease, std::uint64_t bytes,
                             std::stop_token stop) const {
  bytes = std::min(bytes, lease.frame().data_size);
  if (lease.bytes_ready() >= bytes) return true;
  // Sleeps, never spins: 50 us slices for the first 2 ms (a band is usually there within a few),
  // then 500 us. The frame thread is the only one waiting; input and drawing go on.
  const std::uint64_t start = monotonic_ns();
  const std::uint64_t deadline = start + settings_.stall_timeout_ms * 1'000'000;
  while (!stop.stop_requested()) {
    const std::uint64_t now = monotonic_ns();
    if (now >= deadline) return false;
    sleep_ns(now - start < 2'000'000 ? 50'000 : 500'000);
    if (lease.bytes_ready() >= bytes) return true;
  }
  return false;
}

void FrameIntake::set_warning(std::string warning) {
  std::lock_guard lock(mutex_);
  if (warning == shared_.warning) return;
  if (!warning.empty()) spdlog::warn("{}", warning);
  shared_.warning = std::move(warning);
  publish();
}

bool FrameIntake::take_frame(std::stop_token stop) {
  auto taken = session_->take_frame();
  const std::uint64_t now = monotonic_ns();
  if (!taken) {
    need_full_ = true;
    // A hostile agent can send thousands a second: one line a second, with the count.
    ++rejected_since_log_;
    if (now - last_error_log_ns_ > 1'000'000'000) {
      spdlog::warn("frame rejected: {}{}", taken.error().message,
                   rejected_since_log_ > 1
                       ? fmt::format(" ({} rejected in the last second)", rejected_since_log_)
                       : "");
      last_error_log_ns_ = now;
      rejected_since_log_ = 0;
    }
    return true;
  }
  if (!taken->has_value()) return false;
  protocol::FrameLease& lease = **taken;
  last_frame_ns_ = now;
  latency_trace::mark(latency_trace::Stage::taken, lease.frame().frame_serial);
  if (!lease.continuous()) need_full_ = true;

  const std::uint32_t flags = lease.frame().flags;
  bool attention = false;
  if (settings_.request_activation)
    attention = activation_.on_frame(flags & protocol::kFrameFlagRequestActivation, now);

  if (hidden_.load(std::memory_order_relaxed)) {
    // Nobody sees it; keep consuming so the agent does not evict us, and catch up when shown.
    need_full_ = true;
    return true;
  }

  // Sizes bounded by what the frame carries, the device and the memory budget (2x the region:
  // half for the texture, half for staging).
  protocol::ValidatedFrame frame = lease.frame();
  FrameLimits limits;
  limits.max_texture_size = renderer_.max_texture_size();
  limits.texture_budget = lease.region().size();
  std::string bound = bound_frame(frame, limits);

  const Format format{frame.type, frame.frame_width, frame.frame_height, frame.data_width, frame.data_height};
  if (format != format_) {
    // A new texture for every frame is what a hostile guest alternating formats wants: at most
    // one every 250 ms. A frame that comes sooner waits for its turn (holding its buffer,
    // sleeping, well within the agent's 1 s queue timeout) rather than being dropped, so the
    // last frame of a burst is still shown.
    if (last_reformat_ns_ && now - last_reformat_ns_ < kReformatIntervalNs) {
      ++delayed_reformats_;
      spdlog::debug("frame format changed again within {} ms: held back", kReformatIntervalNs / 1'000'000);
      const std::uint64_t turn = last_reformat_ns_ + kReformatIntervalNs;
      for (std::uint64_t t = monotonic_ns(); t < turn && !stop.stop_requested(); t = monotonic_ns())
        sleep_ns(std::min<std::uint64_t>(turn - t, 10'000'000));
      if (stop.stop_requested()) return true;
    } else {
      delayed_reformats_ = 0;  // this change came in its own time
    }
    last_reformat_ns_ = monotonic_ns();
    format_ = format;
  } else {
    delayed_reformats_ = 0;  // a run of format changes ended
  }

  const std::uint64_t upload_start = monotonic_ns();
  const WaitReady wait = [&](std::uint64_t bytes) {
    const bool ready = wait_ready(lease, bytes, stop);
    latency_trace::mark(latency_trace::Stage::ready, frame.frame_serial);
    return ready;
  };
  const FrameSource source{frame, lease.region(), need_full_, wait};
  const UploadStats stats = renderer_.upload(source);
  const std::uint64_t upload_ns = monotonic_ns() - upload_start;
  latency_trace::mark(latency_trace::Stage::uploaded, frame.frame_serial);
  // The renderer no longer reads the region: the agent may reuse the buffer.
  need_full_ = !lease.release() || (stats.stalled && stats.bytes == 0);
  if (stats.stalled) spdlog::debug("the agent's write pointer stalled; showing the rows that arrived");

  std::string truncated;
  if (flags & protocol::kFrameFlagTruncated) {
    truncated = fmt::format(
        "region too small for {}x{}: the agent cut the frame; {} MiB needed (kagami-setup size {}x{})",
        lease.frame().frame_width, lease.frame().frame_height,
        protocol::recommended_region_size(lease.frame().frame_width, lease.frame().frame_height,
                                          flags & protocol::kFrameFlagHdr) >>
            20,
        lease.frame().frame_width, lease.frame().frame_height);
  }
  std::string warning = !bound.empty() ? bound : truncated;
  // A resolution change or two is normal; a guest that keeps changing the format is not.
  if (delayed_reformats_ >= 4 && warning.empty())
    warning =
        fmt::format("the guest changes its frame format more than {} times a second: frames are held back",
                    1'000'000'000 / kReformatIntervalNs);

  std::lock_guard lock(mutex_);
  if (warning != shared_.warning) {
    if (!warning.empty()) spdlog::warn("{}", warning);
    shared_.warning = std::move(warning);
  }
  ++shared_.frames;
  shared_.frame_received_ns = now;
  shared_.frame_type = frame.type;
  shared_.block_screensaver = flags & protocol::kFrameFlagBlockScreensaver;
  if (attention) ++shared_.attention_requests;
  shared_.upload_ns += upload_ns;
  shared_.upload_cpu_ns += stats.cpu_ns;
  shared_.upload_bytes += stats.bytes;
  publish();
  return true;
}

}  // namespace kagami::client
