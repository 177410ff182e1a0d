#pragma once
// LGMP protocol v6 shared-memory layout, byte for byte (reference: lgmp-v6.md §1, §3).
// The structs mirror the natural x86-64 C layout of the pinned LGMP headers; every size and
// offset is checked below. Fields marked "atomic" are only accessed through std::atomic_ref.
#include <cstddef>
#include <cstdint>

namespace kagami::protocol {

inline constexpr std::uint32_t kLgmpMagic = 0x504d474c;  // "LGMP"
inline constexpr std::uint32_t kLgmpVersion = 6;
inline constexpr std::uint32_t kLgmpMaxQueues = 5;
inline constexpr std::uint32_t kLgmpMsgsMax = 10;       // client->host slots per queue
inline constexpr std::uint32_t kLgmpMsgsSize = 64;      // client->host payload limit
inline constexpr std::uint32_t kLgmpMaxSubscribers = 32;
inline constexpr std::uint64_t kLgmpHeartbeatTimeoutMs = 1000;

struct LgmpClientMessage {
  std::uint32_t size;
  std::uint8_t data[kLgmpMsgsSize];
};

struct LgmpHeaderMessage {  // one ring slot
  std::uint32_t udata;
  std::uint32_t size;
  std::uint32_t offset;
  std::uint32_t pending_subs;  // atomic
};

struct LgmpHeaderQueue {
  std::uint32_t queue_id;
  std::uint32_t num_messages;   // ring slots = configured length + 1
  std::uint32_t new_sub_count;  // atomic
  std::uint32_t max_time;       // subscriber timeout, ms
  std::uint32_t position;       // atomic: host write index
  std::uint32_t messages_offset;
  std::uint64_t timeout[kLgmpMaxSubscribers];
  std::uint32_t client_id[kLgmpMaxSubscribers];
  std::uint32_t lock;  // atomic
  std::uint32_t pad0;
  std::uint64_t subs;  // atomic: low half BAD mask, high half ON mask
  std::uint32_t start;
  std::uint32_t pad1;
  std::uint64_t msg_timeout;  // atomic
  std::uint32_t count;        // atomic
  std::uint32_t cmsg_lock;    // atomic
  std::uint32_t cmsg_avail;   // atomic
  std::uint32_t cmsg_wpos;    // atomic
  std::uint32_t cmsg_wserial; // atomic
  std::uint32_t cmsg_rserial; // atomic
  LgmpClientMessage cmsgs[kLgmpMsgsMax];
};

struct LgmpHeader {
  std::uint32_t magic;
  std::uint32_t version;
  std::uint32_t session_id;
  std::uint32_t pad0;
  std::uint64_t timestamp;  // atomic: host heartbeat, ms
  std::uint32_t num_queues;
  std::uint32_t pad1;
  LgmpHeaderQueue queues[kLgmpMaxQueues];
  std::uint32_t udata_size;
  std::uint8_t udata[4];  // really udata_size bytes; the struct's tail padding overlaps it
};

inline constexpr std::size_t kLgmpHeaderSize = 5760;
inline constexpr std::size_t kLgmpUdataOffset = 5756;

static_assert(sizeof(LgmpClientMessage) == 68);
static_assert(sizeof(LgmpHeaderMessage) == 16);
static_assert(offsetof(LgmpHeaderMessage, pending_subs) == 12);
static_assert(sizeof(LgmpHeaderQueue) == 1144 && alignof(LgmpHeaderQueue) == 8);
static_assert(offsetof(LgmpHeaderQueue, num_messages) == 4);
static_assert(offsetof(LgmpHeaderQueue, new_sub_count) == 8);
static_assert(offsetof(LgmpHeaderQueue, max_time) == 12);
static_assert(offsetof(LgmpHeaderQueue, position) == 16);
static_assert(offsetof(LgmpHeaderQueue, messages_offset) == 20);
static_assert(offsetof(LgmpHeaderQueue, timeout) == 24);
static_assert(offsetof(LgmpHeaderQueue, client_id) == 280);
static_assert(offsetof(LgmpHeaderQueue, lock) == 408);
static_assert(offsetof(LgmpHeaderQueue, subs) == 416);
static_assert(offsetof(LgmpHeaderQueue, start) == 424);
static_assert(offsetof(LgmpHeaderQueue, msg_timeout) == 432);
static_assert(offsetof(LgmpHeaderQueue, count) == 440);
static_assert(offsetof(LgmpHeaderQueue, cmsg_lock) == 444);
static_assert(offsetof(LgmpHeaderQueue, cmsg_avail) == 448);
static_assert(offsetof(LgmpHeaderQueue, cmsg_wpos) == 452);
static_assert(offsetof(LgmpHeaderQueue, cmsg_wserial) == 456);
static_assert(offsetof(LgmpHeaderQueue, cmsg_rserial) == 460);
static_assert(offsetof(LgmpHeaderQueue, cmsgs) == 464);
static_assert(sizeof(LgmpHeader) == kLgmpHeaderSize && alignof(LgmpHeader) == 8);
static_assert(offsetof(LgmpHeader, session_id) == 8);
static_assert(offsetof(LgmpHeader, timestamp) == 16);
static_assert(offsetof(LgmpHeader, num_queues) == 24);
static_assert(offsetof(LgmpHeader, queues) == 32);
static_assert(offsetof(LgmpHeader, udata_size) == 5752);
static_assert(offsetof(LgmpHeader, udata) == kLgmpUdataOffset);

// Subscriber bitmap helpers (reference §3.2).
constexpr std::uint32_t subs_on(std::uint64_t subs) { return static_cast<std::uint32_t>(subs >> 32); }
constexpr std::uint32_t subs_bad(std::uint64_t subs) { return static_cast<std::uint32_t>(subs); }
constexpr std::uint64_t subs_on_bit(std::uint32_t slot) { return (std::uint64_t{1} << slot) << 32; }
constexpr std::uint64_t subs_bad_bit(std::uint32_t slot) { return std::uint64_t{1} << slot; }
constexpr std::uint64_t subs_clear(std::uint64_t subs, std::uint32_t slot) {
  return subs & ~(subs_on_bit(slot) | subs_bad_bit(slot));
}

// LGMP_STATUS, stored as int (reference §2).
enum class LgmpStatus : int {
  ok = 0,
  clock_failure = 1,
  invalid_argument = 2,
  invalid_size = 3,
  invalid_alignment = 4,
  invalid_session = 5,
  no_mem = 6,
  no_shared_mem = 7,
  host_started = 8,
  no_queues = 9,
  queue_full = 10,
  queue_empty = 11,
  queue_unsubscribed = 12,
  queue_timeout = 13,
  invalid_magic = 14,
  invalid_version = 15,
  no_such_queue = 16,
  corrupted = 17,
};

// The reference's name for a status, e.g. "LGMP_ERR_QUEUE_FULL".
const char* to_string(LgmpStatus status);

}  // namespace kagami::protocol
