#pragma once
// The LGMP v6 host (the guest-side writer): owns the region's layout, posts messages, runs
// the periodic step that evicts stalled subscribers and frees finished slots (lgmp-v6.md §4, §5).
//
// Threading: one LgmpHost is used from one thread at a time, or its owner serialises calls
// (kagami-agent: a mutex around post/process). The shared fields are accessed atomically as
// the reference requires, so clients in other processes run concurrently.
//
// The client side is untrusted (untrusted-input.md §5): the host keeps private copies of its
// own layout (queue geometry, offsets) and validates the few fields clients write
// (start, count, cMsg sizes and indices), reporting LGMP_ERR_CORRUPTED when they are impossible.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "common/clock.h"
#include "protocol/lgmp_layout.h"

namespace kagami::protocol {

struct LgmpQueueConfig {
  std::uint32_t queue_id = 0;
  std::uint32_t length = 0;          // messages that can be outstanding; the ring has length + 1 slots
  std::uint32_t sub_timeout_ms = 1000;
};

// A piece of the region handed out by the allocator: shm offset and (rounded) size.
struct LgmpAllocation {
  std::uint32_t offset = 0;
  std::uint32_t size = 0;
};

class LgmpHost {
 public:
  LgmpHost(Clock& clock, RandomSource& random);

  // (Re)initialises the region: new session ID, header, user data; no queues yet.
  LgmpStatus init(std::span<std::byte> memory, std::span<const std::byte> udata);
  // Creates the next queue (only right after init); *index receives its handle.
  LgmpStatus queue_new(const LgmpQueueConfig& config, std::uint32_t* index);

  LgmpStatus mem_alloc(std::uint32_t size, LgmpAllocation* out) { return mem_alloc_aligned(size, 4, out); }
  LgmpStatus mem_alloc_aligned(std::uint32_t size, std::uint32_t alignment, LgmpAllocation* out);

  // Publishes `memory` to every healthy subscriber. OK without posting when there are none.
  LgmpStatus post(std::uint32_t queue, std::uint32_t udata, const LgmpAllocation& memory);
  // The heartbeat: call every ~10 ms.
  LgmpStatus process();

  bool has_subs(std::uint32_t queue) const;
  std::uint32_t new_subs(std::uint32_t queue);  // subscribes since the last call
  std::uint32_t pending(std::uint32_t queue) const;

  // Client->host data. *size receives the payload length (<= 64). A message whose size field
  // is impossible is consumed and reported as LGMP_ERR_INVALID_SIZE.
  LgmpStatus read_data(std::uint32_t queue, std::span<std::uint8_t, kLgmpMsgsSize> out, std::uint32_t* size);
  void ack_data(std::uint32_t queue);
  // Client IDs of the subscribers, leaving out evicted ones whose grace period has passed.
  std::vector<std::uint32_t> client_ids(std::uint32_t queue);

  std::span<std::byte> memory() const { return memory_; }
  std::uint32_t session_id() const { return session_id_; }
  std::uint32_t next_free() const { return next_free_; }
  std::uint32_t avail() const { return avail_; }

 private:
  struct QueueState {  // private copies of our own layout (never re-read from shm)
    std::uint32_t num_messages = 0;
    std::uint32_t messages_offset = 0;
    std::uint32_t max_time = 0;
    std::uint32_t position = 0;  // write index
    std::uint32_t cmsg_pos = 0;  // client-message read index
  };

  LgmpHeader& header() const { return *reinterpret_cast<LgmpHeader*>(memory_.data()); }
  LgmpHeaderQueue& record(std::uint32_t queue) const { return header().queues[queue]; }
  LgmpHeaderMessage& slot(const QueueState& q, std::uint32_t index) const;
  LgmpStatus process_queue(std::uint32_t queue, std::uint64_t now);

  Clock& clock_;
  RandomSource& random_;
  std::span<std::byte> memory_;
  std::uint32_t session_id_ = 0;
  std::uint32_t next_free_ = 0;
  std::uint32_t avail_ = 0;
  std::uint32_t num_queues_ = 0;
  std::array<QueueState, kLgmpMaxQueues> queues_{};
};

}  // namespace kagami::protocol
