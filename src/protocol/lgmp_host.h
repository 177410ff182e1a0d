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
//
// Liveness under a scribbling client (process(), every tick): every field only the host writes
// (header, udata, queue geometry, write index, the slots it posted) is compared with the private
// copy and repaired (counted in repairs()); BAD bits the host never set are cleared; evicted
// slots keep the deadline the host gave them; a queue whose 32 subscriber slots are all taken
// is probed (wants_probe(): the owner re-posts its last message) and its holders that do not
// answer within kFullQueueProbeMs are evicted and reclaimed at once, so a newcomer gets in; a
// full ring that blocks a re-post for a newcomer is hurried the same way (hurry()).
// Only a wiped magic, a lock held forever or an impossible start/count still give CORRUPTED.
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/clock.h"
#include "protocol/lgmp_layout.h"

namespace kagami::protocol {

struct LgmpQueueConfig {
  std::uint32_t queue_id = 0;
  std::uint32_t length = 0;  // messages that can be outstanding; the ring has length + 1 slots
  std::uint32_t sub_timeout_ms = 1000;
};

// A piece of the region handed out by the allocator: shm offset and (rounded) size.
struct LgmpAllocation {
  std::uint32_t offset = 0;
  std::uint32_t size = 0;
};

// A holder of a full queue's slot must take a probe message within this long (a live client
// polls every ~1 ms), or it is evicted and its slot given to a newcomer.
inline constexpr std::uint64_t kFullQueueProbeMs = 250;

// Fields a client overwrote and process() put back.
struct LgmpRepairs {
  std::uint64_t count = 0;
  std::string last;  // the most recent, e.g. "queue 2 numMessages 0 -> 3"
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
  // The heartbeat: call every ~10 ms. Repairs what clients overwrote (see above).
  LgmpStatus process();
  // The queue has no free subscriber slot and nothing pending: post something (the last
  // message again) so holders that are gone time out. Set by process(), cleared by post();
  // may be read from another thread than process()'s.
  bool wants_probe(std::uint32_t queue) const { return probe_[queue].load(); }
  // A re-post for a newcomer found the ring full: the holders of its oldest message must take
  // it within kFullQueueProbeMs (not the queue's usual timeout) or be evicted, so the newcomer
  // is served even when slots a client forged "subscribed" hold the ring. A live but slow
  // reader evicted this way subscribes again.
  void hurry(std::uint32_t queue);
  const LgmpRepairs& repairs() const { return repairs_; }

  bool has_subs(std::uint32_t queue) const;
  // Subscribes since the last call: newSubCount (which a client may zero), or the slots
  // process() saw become taken, whichever is more. May run concurrently with process().
  std::uint32_t new_subs(std::uint32_t queue);
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
    std::uint32_t queue_id = 0;
    std::uint32_t num_messages = 0;
    std::uint32_t messages_offset = 0;
    std::uint32_t max_time = 0;
    std::uint32_t position = 0;           // write index
    std::uint32_t cmsg_pos = 0;           // client-message read index
    std::vector<LgmpHeaderMessage> ring;  // udata/size/offset as posted (pendingSubs unused)
    std::vector<bool> posted;             // which ring slots this host has written
    std::uint32_t evicted = 0;            // slots this host marked BAD (still BAD)
    std::array<std::uint64_t, kLgmpMaxSubscribers> reap_at{};  // their timeout[b]
    std::uint32_t known_on = 0;  // healthy (ON, not BAD) slots at the last process()
    std::array<std::uint32_t, kLgmpMaxSubscribers> known_client{};  // their clientID
    std::uint32_t seen_new = 0;    // slots that became ON since the last new_subs()
    std::uint64_t full_since = 0;  // 0: a slot is free
    bool probe = false;
  };

  LgmpHeader& header() const { return *reinterpret_cast<LgmpHeader*>(memory_.data()); }
  LgmpHeaderQueue& record(std::uint32_t queue) const { return header().queues[queue]; }
  LgmpHeaderMessage& slot(const QueueState& q, std::uint32_t index) const;
  LgmpStatus process_queue(std::uint32_t queue, std::uint64_t now);
  void repair_header();
  void repair_queue(std::uint32_t queue);
  LgmpStatus repair_client_messages(std::uint32_t queue);
  // Subscriber bookkeeping under the queue lock; returns the new subs word.
  std::uint64_t tend_subscribers(std::uint32_t queue, std::uint64_t s, std::uint64_t now);
  template <class T>
  void repair(T& field, T want, const char* what, std::uint32_t queue_id = ~0u);

  Clock& clock_;
  RandomSource& random_;
  std::span<std::byte> memory_;
  std::uint32_t session_id_ = 0;
  std::uint32_t next_free_ = 0;
  std::uint32_t avail_ = 0;
  std::uint32_t num_queues_ = 0;
  std::vector<std::byte> udata_;  // as written by init()
  std::array<QueueState, kLgmpMaxQueues> queues_{};
  // Shared with the thread that posts (B7's threading: post and process run concurrently,
  // each under the queue's shm lock; these two are read without it).
  std::array<std::atomic<std::uint32_t>, kLgmpMaxQueues> seen_new_{};  // slots newly taken
  std::array<std::atomic<bool>, kLgmpMaxQueues> probe_{};
  LgmpRepairs repairs_;
};

}  // namespace kagami::protocol
