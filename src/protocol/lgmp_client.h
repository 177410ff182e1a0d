#pragma once
// The LGMP v6 client (the host-side reader): attaches to a host's session, subscribes to
// queues, receives messages, sends client->host data (lgmp-v6.md §6).
//
// The host side is untrusted (untrusted-input.md §1): every value read from the region is read
// once, checked against the mapping and our private copies, and only then used. Impossible
// values give LGMP_ERR_CORRUPTED with last_error() saying which value and why. No call can hang:
// the shared spin locks are given up after at most ~0.1 s.
//
// Threading: an LgmpClient and its subscriptions are used from one thread, or each
// subscription from its own thread while the client itself is not re-initialised.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "common/clock.h"
#include "protocol/lgmp_layout.h"

namespace kagami::protocol {

// A received message: checked to lie inside the mapping.
struct LgmpMessage {
  std::uint32_t udata = 0;
  std::uint32_t size = 0;
  std::uint32_t offset = 0;  // shm offset of the payload
};

// How many bytes of the message's payload lie inside the region (its size, unless a hostile
// host made the message run past the end).
inline std::uint64_t payload_bytes(std::span<const std::byte> region, const LgmpMessage& msg) {
  const std::uint64_t offset = msg.offset < region.size() ? msg.offset : region.size();
  const std::uint64_t room = region.size() - offset;
  return msg.size < room ? msg.size : room;
}

class LgmpClient;

class LgmpSubscription {
 public:
  LgmpSubscription() = default;

  LgmpStatus process(LgmpMessage* out);
  LgmpStatus message_done();
  LgmpStatus advance_to_last();
  LgmpStatus unsubscribe();
  LgmpStatus send_data(std::span<const std::uint8_t> data, std::uint32_t* serial);
  LgmpStatus get_serial(std::uint32_t* serial);

  bool active() const { return client_ != nullptr; }
  std::uint32_t subscriber_slot() const { return bit_index_; }

 private:
  friend class LgmpClient;
  LgmpHeaderQueue& record() const;
  LgmpHeaderMessage& slot(std::uint32_t index) const;
  // Steps 1-3 of process/done (reference §6.4): subscriber state, then the write index.
  LgmpStatus check_state(std::uint32_t* position);
  LgmpStatus corrupted(std::string why);

  LgmpClient* client_ = nullptr;
  std::uint32_t queue_index_ = 0;
  std::uint32_t bit_index_ = 0;
  std::uint32_t num_messages_ = 0;     // private copies, validated at subscribe
  std::uint32_t messages_offset_ = 0;
  std::uint32_t max_time_ = 0;
  std::uint32_t index_ = 0;            // local read index
};

class LgmpClient {
 public:
  LgmpClient(Clock& clock, RandomSource& random);

  LgmpStatus init(std::span<std::byte> memory);
  // Joins the host's current session. *udata receives the host's user data (inside the
  // mapping; copy it before use, the host may rewrite it).
  LgmpStatus session_init(std::span<const std::byte>* udata);
  bool session_valid();
  LgmpStatus subscribe(std::uint32_t queue_id, LgmpSubscription* out);

  std::uint32_t session_id() const { return session_id_; }
  std::uint32_t client_id() const { return client_id_; }
  std::span<std::byte> memory() const { return memory_; }
  // What was wrong, after a call returned LGMP_ERR_CORRUPTED.
  const std::string& last_error() const { return last_error_; }

 private:
  friend class LgmpSubscription;
  LgmpHeader& header() const { return *reinterpret_cast<LgmpHeader*>(memory_.data()); }
  LgmpStatus corrupted(std::string why);

  Clock& clock_;
  RandomSource& random_;
  std::span<std::byte> memory_;
  std::uint64_t host_time_ = 0;
  std::uint64_t last_heartbeat_ = 0;
  std::uint32_t session_id_ = 0;
  std::uint32_t client_id_ = 0;
  std::string last_error_;
};

}  // namespace kagami::protocol
