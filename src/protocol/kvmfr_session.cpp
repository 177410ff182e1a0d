#include "protocol/kvmfr_session.h"

#include <fmt/format.h>

#include <utility>

#include "protocol/kvmfr_layout.h"

namespace kagami::protocol {

namespace {
constexpr std::uint64_t kRetryFastMs = 5;     // waiting for a heartbeat or for queues to appear
constexpr std::uint64_t kRetrySlowMs = 500;  // incompatible agent (B7: 1000 ms; a repaired header should not cost a second)
// A corrupt region or a full queue: the agent repairs what a client overwrote within a tick or
// two and reclaims slots held by nobody, so look again soon (reading the header is cheap).
constexpr std::uint64_t kRetryCorruptMs = 200;
}  // namespace

KvmfrSession::KvmfrSession(std::span<std::byte> region, Clock& clock, RandomSource& random)
    : region_(region), clock_(clock), lgmp_(clock, random) {}

KvmfrSession::~KvmfrSession() {
  if (!connected()) return;
  if (holding_frame_) (void)frames_.message_done();
  (void)frames_.unsubscribe();
  (void)pointer_.unsubscribe();
}

void KvmfrSession::retry_in(std::uint64_t ms, SessionState state, std::string message) {
  next_attempt_ms_ = clock_.now_ms() + ms;
  status_ = {state, std::move(message)};
}

void KvmfrSession::disconnect(SessionState state, std::string message) {
  frames_ = {};
  pointer_ = {};
  joined_ = false;
  holding_frame_ = false;
  have_serial_ = false;
  have_handed_ = false;
  retry_in(0, state, std::move(message));
}

const SessionStatus& KvmfrSession::poll() {
  if (!initialised_) {
    if (LgmpStatus s = lgmp_.init(region_); s != LgmpStatus::ok) {
      retry_in(
          kRetrySlowMs, SessionState::corrupted,
          s == LgmpStatus::invalid_size
              ? fmt::format("the region is too small: {} bytes, less than an LGMP header", region_.size())
              : fmt::format("cannot start the LGMP client: {}", to_string(s)));
      return status_;
    }
    initialised_ = true;
  }
  if (connected()) {
    if (!lgmp_.session_valid()) {
      const bool restarted =
          reinterpret_cast<const LgmpHeader*>(region_.data())->session_id != lgmp_.session_id();
      disconnect(SessionState::agent_stopped,
                 restarted ? "the agent restarted — reconnecting"
                           : "the agent stopped (no heartbeat for 1 s) — reconnecting");
    }
    return status_;
  }
  if (clock_.now_ms() < next_attempt_ms_) return status_;
  if (joined_) {
    try_subscribe();
  } else {
    try_connect();
  }
  return status_;
}

void KvmfrSession::try_connect() {
  std::span<const std::byte> udata;
  const LgmpStatus s = lgmp_.session_init(&udata);
  switch (s) {
    case LgmpStatus::ok:
      break;
    case LgmpStatus::invalid_magic:
      return retry_in(kRetryFastMs, SessionState::waiting_for_agent,
                      "waiting for the agent: the region holds no LGMP header yet");
    case LgmpStatus::invalid_version: {
      const std::uint32_t version = reinterpret_cast<const LgmpHeader*>(region_.data())->version;
      return retry_in(kRetrySlowMs, SessionState::incompatible,
                      fmt::format("the agent speaks LGMP {}; kagami speaks LGMP {} (Looking Glass B7)",
                                  version, kLgmpVersion));
    }
    case LgmpStatus::invalid_session:
      // No heartbeat since we last looked: keep whatever we told the user (e.g. "agent stopped").
      if (status_.message.empty() || status_.state == SessionState::connected)
        status_ = {SessionState::waiting_for_agent, "waiting for the agent: its heartbeat is not moving"};
      next_attempt_ms_ = clock_.now_ms() + kRetryFastMs;
      return;
    case LgmpStatus::corrupted:
      return retry_in(kRetryCorruptMs, SessionState::corrupted,
                      "the region is corrupt: " + lgmp_.last_error());
    default:
      return retry_in(kRetryCorruptMs, SessionState::corrupted,
                      fmt::format("joining the session failed: {}", to_string(s)));
  }
  Result<GuestInfo> info = parse_udata(udata);
  if (!info) return retry_in(kRetrySlowMs, SessionState::incompatible, info.error().message);
  guest_ = std::move(*info);
  joined_ = true;
  try_subscribe();
}

void KvmfrSession::try_subscribe() {
  if (!lgmp_.session_valid())
    return disconnect(SessionState::agent_stopped, "the agent went away while we joined");
  for (auto [queue_id, sub] : {std::pair{kQueueFrame, &frames_}, std::pair{kQueuePointer, &pointer_}}) {
    if (sub->active()) continue;
    const LgmpStatus s = lgmp_.subscribe(queue_id, sub);
    if (s == LgmpStatus::ok) continue;
    if (s == LgmpStatus::no_such_queue)  // the agent is still creating its queues
      return retry_in(kRetryFastMs, SessionState::waiting_for_agent,
                      "waiting for the agent to create its queues");
    if (s == LgmpStatus::queue_full)
      return retry_in(kRetryCorruptMs, SessionState::corrupted,
                      "all 32 subscriber slots of the agent's queue are taken");
    // Give back the queue already subscribed in this (still valid) session: dropping it
    // would leave its slot taken by nobody.
    const std::string why = lgmp_.last_error();
    for (LgmpSubscription* active : {&frames_, &pointer_}) {
      if (active->active()) (void)active->unsubscribe();
    }
    return disconnect(SessionState::corrupted, "the region is corrupt: " + why);
  }
  joined_ = false;
  ++counters_.sessions;
  status_ = {SessionState::connected,
             fmt::format("connected to {}{}", guest_.host_version.empty() ? "the agent" : guest_.host_version,
                         guest_.os ? fmt::format(" ({})", guest_.os->name) : std::string())};
}

bool KvmfrSession::handle_queue_status(LgmpStatus status, LgmpSubscription& sub, std::uint32_t queue_id) {
  switch (status) {
    case LgmpStatus::queue_timeout:       // evicted after a stall: subscribe again, never give up
    case LgmpStatus::queue_unsubscribed:  // someone cleared our slot
      if (&sub == &frames_) {
        holding_frame_ = false;
        have_handed_ = false;  // frames were missed while we were out
      }
      if (lgmp_.subscribe(queue_id, &sub) == LgmpStatus::ok) {
        ++counters_.resubscribes;
        return false;
      }
      disconnect(SessionState::agent_stopped,
                 "lost our subscription and could not subscribe again — reconnecting");
      return true;
    case LgmpStatus::invalid_session:
      disconnect(SessionState::agent_stopped, "the agent restarted or stopped — reconnecting");
      return true;
    case LgmpStatus::corrupted:
      disconnect(SessionState::corrupted, "the region is corrupt: " + lgmp_.last_error());
      return true;
    default:
      disconnect(SessionState::corrupted, fmt::format("queue {} failed: {}", queue_id, to_string(status)));
      return true;
  }
}

Result<std::optional<ValidatedFrame>> KvmfrSession::receive_frame() {
  if (!connected() || holding_frame_) return std::optional<ValidatedFrame>{};
  // Bounded: at most a ring's worth of repeats is skipped per call.
  for (std::uint32_t i = 0; i <= kQueueFrameLength; ++i) {
    LgmpMessage msg;
    const LgmpStatus s = frames_.process(&msg);
    if (s == LgmpStatus::queue_empty) break;
    if (s != LgmpStatus::ok) {
      handle_queue_status(s, frames_, kQueueFrame);
      break;
    }
    Result<ValidatedFrame> frame = validate_frame(region_, msg);
    if (!frame) {
      ++counters_.rejected_frames;
      if (LgmpStatus d = frames_.message_done(); d != LgmpStatus::ok)
        handle_queue_status(d, frames_, kQueueFrame);
      return Error{"rejected a frame from the agent: " + frame.error().message};
    }
    if (have_serial_ && frame->frame_serial == last_serial_) {  // a repeat for a new subscriber
      if (LgmpStatus d = frames_.message_done(); d != LgmpStatus::ok) {
        handle_queue_status(d, frames_, kQueueFrame);
        break;
      }
      continue;
    }
    have_serial_ = true;
    last_serial_ = frame->frame_serial;
    holding_frame_ = true;
    return std::optional<ValidatedFrame>(std::move(*frame));
  }
  return std::optional<ValidatedFrame>{};
}

bool KvmfrSession::frame_done() {
  if (!holding_frame_) return true;
  holding_frame_ = false;
  const LgmpStatus s = frames_.message_done();
  if (s == LgmpStatus::ok) return true;
  handle_queue_status(s, frames_, kQueueFrame);
  return false;
}

Result<std::optional<FrameLease>> KvmfrSession::take_frame() {
  const std::uint64_t sessions = counters_.sessions, resubscribes = counters_.resubscribes;
  const std::uint64_t rejected = counters_.rejected_frames;
  Result<std::optional<ValidatedFrame>> received = receive_frame();
  // A new agent session, an eviction or a rejected frame: the next frame starts a new run.
  if (sessions != counters_.sessions || resubscribes != counters_.resubscribes ||
      rejected != counters_.rejected_frames)
    have_handed_ = false;
  if (!received) return received.error();
  if (!received->has_value()) return std::optional<FrameLease>{};
  ValidatedFrame& frame = **received;
  const bool continuous = have_handed_ && frame.frame_serial == last_handed_ + 1;
  have_handed_ = true;
  last_handed_ = frame.frame_serial;
  return std::optional<FrameLease>(FrameLease(this, std::move(frame), continuous));
}

FrameLease& FrameLease::operator=(FrameLease&& other) noexcept {
  if (this != &other) {
    release();
    session_ = std::exchange(other.session_, nullptr);
    frame_ = std::move(other.frame_);
    continuous_ = other.continuous_;
  }
  return *this;
}

std::span<const std::byte> FrameLease::region() const {
  return session_ ? std::span<const std::byte>(session_->region()) : std::span<const std::byte>{};
}

std::uint64_t FrameLease::bytes_ready() const {
  return session_ ? frame_bytes_ready(session_->region(), frame_) : 0;
}

bool FrameLease::release() {
  if (!session_) return true;
  KvmfrSession* session = std::exchange(session_, nullptr);
  return session->frame_done();
}

Result<std::optional<CursorUpdate>> KvmfrSession::receive_cursor() {
  if (!connected()) return std::optional<CursorUpdate>{};
  LgmpMessage msg;
  const LgmpStatus s = pointer_.process(&msg);
  if (s == LgmpStatus::queue_empty) return std::optional<CursorUpdate>{};
  if (s != LgmpStatus::ok) {
    handle_queue_status(s, pointer_, kQueuePointer);
    return std::optional<CursorUpdate>{};
  }
  Result<CursorUpdate> update = read_cursor(region_, msg);  // copies out, so release at once
  if (LgmpStatus d = pointer_.message_done(); d != LgmpStatus::ok)
    handle_queue_status(d, pointer_, kQueuePointer);
  if (!update) {
    ++counters_.rejected_cursors;
    return Error{update.error().message};
  }
  return std::optional<CursorUpdate>(std::move(*update));
}

bool KvmfrSession::can_set_cursor_position() const {
  return connected() && (guest_.features & kKvmfrFeatureSetCursorPos);
}

Result<void> KvmfrSession::set_cursor_position(std::int32_t x, std::int32_t y) {
  if (!can_set_cursor_position()) return Error{"the agent does not accept cursor moves"};
  const KvmfrSetCursorPos message{static_cast<std::uint32_t>(KvmfrMessageType::set_cursor_pos), x, y};
  std::uint32_t serial = 0;
  const LgmpStatus s =
      pointer_.send_data({reinterpret_cast<const std::uint8_t*>(&message), sizeof message}, &serial);
  if (s != LgmpStatus::ok) return Error{fmt::format("sending the cursor move failed: {}", to_string(s))};
  return {};
}

}  // namespace kagami::protocol
