#pragma once
// The viewer's side of KVMFR: a self-healing session over an untrusted region. It joins the
// agent's LGMP session, checks the KVMFR header, subscribes to both queues, and recovers by
// itself from an agent restart (new session), an agent that stopped (no heartbeat), an
// eviction (queue timeout) and corrupt data, always with a message the user can read.
//
// Threading: one thread owns a KvmfrSession (the client's render/session thread).
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "common/clock.h"
#include "common/result.h"
#include "protocol/kvmfr_cursor.h"
#include "protocol/kvmfr_frame.h"
#include "protocol/kvmfr_udata.h"
#include "protocol/lgmp_client.h"

namespace kagami::protocol {

enum class SessionState {
  waiting_for_agent,  // no LGMP header yet, or no heartbeat since we looked
  incompatible,       // another LGMP or KVMFR version; retried every second
  connected,          // subscribed to both queues
  agent_stopped,      // heartbeat stopped; waiting for it to come back
  corrupted,          // the region holds impossible values; retried
};

struct SessionStatus {
  SessionState state = SessionState::waiting_for_agent;
  std::string message;  // for the user, e.g. "waiting for the agent (no LGMP header in the region)"
};

struct SessionCounters {
  std::uint64_t sessions = 0;         // successful session joins
  std::uint64_t resubscribes = 0;     // after an eviction
  std::uint64_t rejected_frames = 0;  // frame messages that failed validation
  std::uint64_t rejected_cursors = 0;
};

class KvmfrSession;

// A frame handed out by KvmfrSession::take_frame: holds the frame message (the agent does not
// reuse its buffer) until release() or destruction. Must not outlive its session; used on the
// session's thread.
class FrameLease {
 public:
  FrameLease() = default;
  FrameLease(FrameLease&& other) noexcept { *this = std::move(other); }
  FrameLease& operator=(FrameLease&& other) noexcept;
  ~FrameLease() { release(); }

  const ValidatedFrame& frame() const { return frame_; }
  // True when this session's previous frame had serial - 1 and nothing was lost in between (no
  // rejected frame, no eviction, same agent session): damage rects then apply to what the viewer
  // already holds. Otherwise the viewer must take the whole frame.
  bool continuous() const { return continuous_; }
  std::span<const std::byte> region() const;
  // Pixel bytes the agent has written so far (its progressive write pointer), at most data_size.
  std::uint64_t bytes_ready() const;
  // Ends the lease (frame_done). False when the agent evicted us while we held it: the buffer may
  // have been rewritten under us. Idempotent.
  bool release();
  bool held() const { return session_ != nullptr; }

 private:
  friend class KvmfrSession;
  FrameLease(KvmfrSession* session, ValidatedFrame frame, bool continuous)
      : session_(session), frame_(std::move(frame)), continuous_(continuous) {}
  KvmfrSession* session_ = nullptr;
  ValidatedFrame frame_;
  bool continuous_ = false;
};

class KvmfrSession {
 public:
  KvmfrSession(std::span<std::byte> region, Clock& clock, RandomSource& random);
  ~KvmfrSession();  // unsubscribes, so the agent stops sending at once
  KvmfrSession(const KvmfrSession&) = delete;
  KvmfrSession& operator=(const KvmfrSession&) = delete;

  // Advances the connection state machine; cheap, call every loop iteration.
  const SessionStatus& poll();
  const SessionStatus& status() const { return status_; }
  bool connected() const { return status_.state == SessionState::connected; }
  const GuestInfo& guest() const { return guest_; }
  std::uint32_t session_id() const { return lgmp_.session_id(); }
  const SessionCounters& counters() const { return counters_; }
  std::span<std::byte> region() const { return region_; }

  // The next new frame, validated, or nullopt when none is waiting. The message is held
  // (the agent will not reuse the buffer) until frame_done(). Repeats of the last frame
  // serial are released and skipped. An error means a frame failed validation: it was
  // released and the message says why; the session carries on.
  Result<std::optional<ValidatedFrame>> receive_frame();
  // Releases the held frame. False if the agent evicted us while we held it (we stalled for
  // more than the queue timeout): the buffer may have been rewritten under us, so what was
  // read from it is suspect and should be replaced by the next frame.
  bool frame_done();
  // receive_frame() + frame_done() as one object, with the serial bookkeeping (continuous()).
  Result<std::optional<FrameLease>> take_frame();

  // The next cursor update, copied out and already released.
  Result<std::optional<CursorUpdate>> receive_cursor();

  // Asks the agent to move the guest cursor (KVMFR_MESSAGE_SETCURSORPOS).
  Result<void> set_cursor_position(std::int32_t x, std::int32_t y);
  bool can_set_cursor_position() const;

 private:
  void try_connect();
  void try_subscribe();
  void retry_in(std::uint64_t ms, SessionState state, std::string message);
  void disconnect(SessionState state, std::string message);
  // Handles a non-OK status from a queue call; returns true if the session went down.
  bool handle_queue_status(LgmpStatus status, LgmpSubscription& sub, std::uint32_t queue_id);

  std::span<std::byte> region_;
  Clock& clock_;
  LgmpClient lgmp_;
  LgmpSubscription frames_;
  LgmpSubscription pointer_;
  GuestInfo guest_;
  SessionStatus status_;
  SessionCounters counters_;
  bool initialised_ = false;
  bool joined_ = false;  // LGMP session joined, queues not all subscribed yet
  bool holding_frame_ = false;
  bool have_serial_ = false;
  std::uint32_t last_serial_ = 0;
  // take_frame's bookkeeping: the serial last handed out, and whether anything was lost since.
  bool have_handed_ = false;
  std::uint32_t last_handed_ = 0;
  std::uint64_t next_attempt_ms_ = 0;
};

}  // namespace kagami::protocol
