#include "protocol/lgmp_host.h"

#include <fmt/format.h>

#include <bit>
#include <cstring>
#include <limits>
#include <utility>

#include "protocol/shared_atomic.h"

namespace kagami::protocol {

namespace {
constexpr std::uint64_t align4(std::uint64_t x) { return (x + 3) & ~std::uint64_t{3}; }
constexpr std::uint64_t round_up(std::uint64_t x, std::uint64_t a) { return (x + a - 1) / a * a; }
}  // namespace

LgmpHost::LgmpHost(Clock& clock, RandomSource& random) : clock_(clock), random_(random) {}

LgmpHeaderMessage& LgmpHost::slot(const QueueState& q, std::uint32_t index) const {
  return reinterpret_cast<LgmpHeaderMessage*>(memory_.data() + q.messages_offset)[index];
}

LgmpStatus LgmpHost::init(std::span<std::byte> memory, std::span<const std::byte> udata) {
  const std::uint64_t now = clock_.now_ms();
  if (now == 0) return LgmpStatus::clock_failure;
  // LGMP takes the size as a u32.
  if (memory.size() < kLgmpHeaderSize + udata.size() ||
      memory.size() > std::numeric_limits<std::uint32_t>::max())
    return LgmpStatus::invalid_size;

  memory_ = memory;
  num_queues_ = 0;
  queues_ = {};
  udata_.assign(udata.begin(), udata.end());
  for (auto& n : seen_new_) n = 0;
  for (auto& p : probe_) p = false;
  next_free_ = static_cast<std::uint32_t>(align4(kLgmpHeaderSize + udata.size()));
  avail_ = static_cast<std::uint32_t>(memory.size() - next_free_);

  LgmpHeader& h = header();
  const std::uint32_t old_session = h.session_id;
  do {
    session_id_ = random_.next_u32();
  } while (session_id_ == old_session);
  h.session_id = session_id_;

  // Queue records and everything past the user data are deliberately left as they are
  // (reference §5.1); magic goes last so a client never sees a half-written header as valid
  // on fresh memory.
  atomic_store(h.timestamp, now);
  h.version = kLgmpVersion;
  h.num_queues = 0;
  h.udata_size = static_cast<std::uint32_t>(udata.size());
  if (!udata.empty()) std::memcpy(memory_.data() + kLgmpUdataOffset, udata.data(), udata.size());
  h.magic = kLgmpMagic;
  return LgmpStatus::ok;
}

LgmpStatus LgmpHost::queue_new(const LgmpQueueConfig& config, std::uint32_t* index) {
  if (num_queues_ == kLgmpMaxQueues) return LgmpStatus::no_queues;
  const std::uint64_t slots = std::uint64_t{config.length} + 1;
  if (avail_ < 16 * slots) return LgmpStatus::no_shared_mem;

  const std::uint32_t i = num_queues_;
  LgmpHeaderQueue& hq = record(i);
  hq.queue_id = config.queue_id;
  hq.num_messages = static_cast<std::uint32_t>(slots);
  atomic_store(hq.new_sub_count, 0u);
  atomic_store(hq.lock, 0u);
  atomic_store(hq.subs, std::uint64_t{0});
  atomic_store(hq.position, 0u);
  hq.messages_offset = next_free_;
  hq.start = 0;
  atomic_store(hq.msg_timeout, std::uint64_t{0});
  hq.max_time = config.sub_timeout_ms;
  atomic_store(hq.count, 0u);
  atomic_store(hq.cmsg_lock, 0u);
  atomic_store(hq.cmsg_avail, kLgmpMsgsMax);
  atomic_store(hq.cmsg_wpos, 0u);
  atomic_store(hq.cmsg_wserial, 0u);
  atomic_store(hq.cmsg_rserial, 0u);

  queues_[i] = QueueState{};
  QueueState& q = queues_[i];
  q.queue_id = config.queue_id;
  q.num_messages = static_cast<std::uint32_t>(slots);
  q.messages_offset = next_free_;
  q.max_time = config.sub_timeout_ms;
  q.ring.assign(slots, LgmpHeaderMessage{});
  q.posted.assign(slots, false);
  const auto bytes = static_cast<std::uint32_t>(align4(16 * slots));
  next_free_ += bytes;
  avail_ -= bytes;
  header().num_queues = ++num_queues_;
  if (index) *index = i;
  return LgmpStatus::ok;
}

LgmpStatus LgmpHost::mem_alloc_aligned(std::uint32_t size, std::uint32_t alignment, LgmpAllocation* out) {
  if (alignment == 0) alignment = 1;
  if ((alignment & (alignment - 1)) != 0) return LgmpStatus::invalid_alignment;
  const std::uint64_t rounded = round_up(size, alignment);
  const std::uint64_t start = round_up(next_free_, alignment);
  const std::uint64_t gap = start - next_free_;
  if (gap > avail_ || rounded > avail_ - gap) return LgmpStatus::no_shared_mem;
  out->offset = static_cast<std::uint32_t>(start);
  out->size = static_cast<std::uint32_t>(rounded);
  avail_ -= static_cast<std::uint32_t>(gap + rounded);
  next_free_ = static_cast<std::uint32_t>(start + rounded);
  return LgmpStatus::ok;
}

LgmpStatus LgmpHost::post(std::uint32_t queue, std::uint32_t udata, const LgmpAllocation& memory) {
  QueueState& q = queues_[queue];
  LgmpHeaderQueue& hq = record(queue);
  SpinGuard guard(hq.lock);
  if (!guard.locked()) return LgmpStatus::corrupted;  // a client holds our lock forever

  const std::uint64_t subs = atomic_load(hq.subs);
  const std::uint32_t pend = subs_on(subs) & ~subs_bad(subs);
  if (pend == 0) return LgmpStatus::ok;
  if (atomic_load(hq.count) >= q.num_messages - 1) return LgmpStatus::queue_full;

  LgmpHeaderMessage& m = slot(q, q.position);
  m.udata = udata;
  m.size = memory.size;
  m.offset = memory.offset;
  atomic_store(m.pending_subs, pend);
  q.ring[q.position] = LgmpHeaderMessage{udata, memory.size, memory.offset, 0};
  q.posted[q.position] = true;
  probe_[queue] = false;

  if (atomic_fetch_add(hq.count, 1u) == 0) atomic_store(hq.msg_timeout, clock_.now_ms() + q.max_time);

  q.position = (q.position + 1) % q.num_messages;
  atomic_store(hq.position, q.position);  // publishes the message
  return LgmpStatus::ok;
}

LgmpStatus LgmpHost::process() {
  if (header().magic != kLgmpMagic) return LgmpStatus::corrupted;  // wiped: set up anew (as B7)
  repair_header();
  const std::uint64_t now = clock_.now_ms();
  atomic_store(header().timestamp, now);
  for (std::uint32_t i = 0; i < num_queues_; ++i) {
    if (LgmpStatus status = process_queue(i, now); status != LgmpStatus::ok) return status;
  }
  return LgmpStatus::ok;
}

template <class T>
void LgmpHost::repair(T& field, T want, const char* what, std::uint32_t queue_id) {
  const T found = field;
  if (found == want) return;
  field = want;
  ++repairs_.count;
  repairs_.last = queue_id == ~0u ? fmt::format("{} {} -> {}", what, found, want)
                                  : fmt::format("queue {} {} {} -> {}", queue_id, what, found, want);
}

void LgmpHost::repair_header() {
  LgmpHeader& h = header();
  repair(h.version, kLgmpVersion, "version");
  repair(h.session_id, session_id_, "sessionID");
  repair(h.num_queues, num_queues_, "numQueues");
  repair(h.udata_size, static_cast<std::uint32_t>(udata_.size()), "udataSize");
  std::byte* udata = memory_.data() + kLgmpUdataOffset;
  if (!udata_.empty() && std::memcmp(udata, udata_.data(), udata_.size()) != 0) {
    std::memcpy(udata, udata_.data(), udata_.size());
    ++repairs_.count;
    repairs_.last = "the user data (KVMFR records)";
  }
}

void LgmpHost::repair_queue(std::uint32_t queue) {
  const QueueState& q = queues_[queue];
  LgmpHeaderQueue& hq = record(queue);
  repair(hq.queue_id, q.queue_id, "queueID", q.queue_id);
  repair(hq.num_messages, q.num_messages, "numMessages", q.queue_id);
  repair(hq.max_time, q.max_time, "maxTime", q.queue_id);
  repair(hq.messages_offset, q.messages_offset, "messagesOffset", q.queue_id);
  if (const std::uint32_t position = atomic_load(hq.position); position != q.position) {
    atomic_store(hq.position, q.position);
    ++repairs_.count;
    repairs_.last = fmt::format("queue {} position {} -> {}", q.queue_id, position, q.position);
  }
  for (std::uint32_t i = 0; i < q.num_messages; ++i) {
    if (!q.posted[i]) continue;
    LgmpHeaderMessage& m = slot(q, i);
    repair(m.udata, q.ring[i].udata, "message udata", q.queue_id);
    repair(m.size, q.ring[i].size, "message size", q.queue_id);
    repair(m.offset, q.ring[i].offset, "message offset", q.queue_id);
  }
}

LgmpStatus LgmpHost::repair_client_messages(std::uint32_t queue) {
  const QueueState& q = queues_[queue];
  LgmpHeaderQueue& hq = record(queue);
  if (atomic_load(hq.cmsg_avail) <= kLgmpMsgsMax && atomic_load(hq.cmsg_wpos) < kLgmpMsgsMax)
    return LgmpStatus::ok;
  SpinGuard guard(hq.cmsg_lock);
  if (!guard.locked()) return LgmpStatus::corrupted;
  const std::uint32_t avail = atomic_load(hq.cmsg_avail);
  const std::uint32_t wpos = atomic_load(hq.cmsg_wpos);
  if (avail <= kLgmpMsgsMax && wpos < kLgmpMsgsMax) return LgmpStatus::ok;
  // Impossible: start the client-message ring over, empty, at our read index.
  atomic_store(hq.cmsg_wpos, q.cmsg_pos);
  atomic_store(hq.cmsg_avail, kLgmpMsgsMax);
  ++repairs_.count;
  repairs_.last =
      fmt::format("queue {} client-message ring (avail {}, write index {})", q.queue_id, avail, wpos);
  return LgmpStatus::ok;
}

std::uint64_t LgmpHost::tend_subscribers(std::uint32_t queue, std::uint64_t s, std::uint64_t now) {
  QueueState& q = queues_[queue];
  LgmpHeaderQueue& hq = record(queue);
  // BAD bits this host never set were forged: clear them (a real holder behind the slot, if
  // any, is left to the usual eviction).
  if (const std::uint32_t forged = subs_bad(s) & ~q.evicted; forged != 0) {
    s &= ~std::uint64_t{forged};
    ++repairs_.count;
    repairs_.last = fmt::format("queue {} eviction bits {:#x} the agent never set", q.queue_id, forged);
  }
  q.evicted &= subs_bad(s);  // the rest were reaped by a subscriber or unsubscribed
  for (std::uint32_t b = 0; b < kLgmpMaxSubscribers; ++b) {
    if (q.evicted & (1u << b)) repair(hq.timeout[b], q.reap_at[b], "eviction deadline", q.queue_id);
  }

  // A queue with no free slot: reclaim the evicted ones at once, and make the others prove
  // they are alive by taking a message within kFullQueueProbeMs.
  if ((subs_on(s) | subs_bad(s)) == ~0u && q.evicted != 0) {
    for (std::uint32_t b = 0; b < kLgmpMaxSubscribers; ++b) {
      if (!(q.evicted & (1u << b))) continue;
      s = subs_clear(s, b);
      hq.timeout[b] = 0;
      hq.client_id[b] = 0;
    }
    q.evicted = 0;
  }
  if ((subs_on(s) | subs_bad(s)) == ~0u) {
    if (q.full_since == 0) q.full_since = now;
    if (atomic_load(hq.count) == 0) {
      probe_[queue] = true;
    } else if (const std::uint64_t deadline = q.full_since + kFullQueueProbeMs;
               atomic_load(hq.msg_timeout) > deadline) {
      atomic_store(hq.msg_timeout, deadline);
    }
  } else {
    q.full_since = 0;
    probe_[queue] = false;
  }

  // Newly taken slots (newSubCount is client-written, so count them ourselves too).
  const std::uint32_t healthy = subs_on(s) & ~subs_bad(s);
  for (std::uint32_t b = 0; b < kLgmpMaxSubscribers; ++b) {
    const std::uint32_t bit = 1u << b;
    if (!(healthy & bit)) continue;
    const std::uint32_t id = hq.client_id[b];
    if (!(q.known_on & bit) || q.known_client[b] != id) ++seen_new_[queue];
    q.known_client[b] = id;
  }
  q.known_on = healthy;
  return s;
}

LgmpStatus LgmpHost::process_queue(std::uint32_t queue, std::uint64_t now) {
  QueueState& q = queues_[queue];
  LgmpHeaderQueue& hq = record(queue);
  if (LgmpStatus status = repair_client_messages(queue); status != LgmpStatus::ok) return status;
  SpinGuard guard(hq.lock);
  if (!guard.locked()) return LgmpStatus::corrupted;
  repair_queue(queue);  // under the lock: post() changes the write index and the ring

  const std::uint64_t before = atomic_load(hq.subs);
  std::uint64_t s = before;
  if (std::uint32_t count = atomic_load(hq.count); count != 0) {
    // Clients write start and count: never trust them to index our ring.
    std::uint32_t start = hq.start;
    if (start >= q.num_messages || count > q.num_messages - 1) return LgmpStatus::corrupted;

    for (std::uint32_t step = 0; step < q.num_messages; ++step) {
      LgmpHeaderMessage& m = slot(q, start);
      std::uint32_t pend = atomic_load(m.pending_subs) & subs_on(s);
      const std::uint32_t new_bad = pend & ~subs_bad(s);
      if (new_bad != 0 && now > atomic_load(hq.msg_timeout)) {
        s |= new_bad;  // the low half is the BAD mask
        q.evicted |= new_bad;
        for (std::uint32_t b = 0; b < kLgmpMaxSubscribers; ++b) {
          if (new_bad & (1u << b)) hq.timeout[b] = q.reap_at[b] = now + q.max_time;
        }
        atomic_store(m.pending_subs, 0u);
        pend = 0;
      }
      if ((pend & ~subs_bad(s)) != 0) break;  // a healthy subscriber still holds the oldest message

      start = (start + 1) % q.num_messages;
      hq.start = start;
      if (atomic_fetch_sub(hq.count, 1u) == 1) break;
      atomic_store(hq.msg_timeout, now + q.max_time);
    }
  }
  s = tend_subscribers(queue, s, now);
  if (s != before) atomic_store(hq.subs, s);
  return LgmpStatus::ok;
}

void LgmpHost::hurry(std::uint32_t queue) {
  const QueueState& q = queues_[queue];
  LgmpHeaderQueue& hq = record(queue);
  SpinGuard guard(hq.lock);
  if (!guard.locked()) return;  // process() reports the lock held forever
  if (atomic_load(hq.count) < q.num_messages - 1) return;  // room again
  // Only ever brought forward: a newcomer retrying every tick does not push it back.
  const std::uint64_t deadline = clock_.now_ms() + kFullQueueProbeMs;
  if (atomic_load(hq.msg_timeout) > deadline) atomic_store(hq.msg_timeout, deadline);
}

bool LgmpHost::has_subs(std::uint32_t queue) const { return subs_on(atomic_load(record(queue).subs)) != 0; }

std::uint32_t LgmpHost::new_subs(std::uint32_t queue) {
  const std::uint32_t counted = atomic_exchange(record(queue).new_sub_count, 0u);
  const std::uint32_t seen = seen_new_[queue].exchange(0u);
  return counted > seen ? counted : seen;
}

std::uint32_t LgmpHost::pending(std::uint32_t queue) const { return atomic_load(record(queue).count); }

LgmpStatus LgmpHost::read_data(std::uint32_t queue, std::span<std::uint8_t, kLgmpMsgsSize> out,
                               std::uint32_t* size) {
  QueueState& q = queues_[queue];
  LgmpHeaderQueue& hq = record(queue);
  if (atomic_load(hq.cmsg_avail) >= kLgmpMsgsMax) return LgmpStatus::queue_empty;

  SpinGuard guard(hq.cmsg_lock);
  if (!guard.locked()) return LgmpStatus::corrupted;
  const LgmpClientMessage& m = hq.cmsgs[q.cmsg_pos];
  const std::uint32_t length = m.size;  // read once
  q.cmsg_pos = (q.cmsg_pos + 1) % kLgmpMsgsMax;
  atomic_fetch_add(hq.cmsg_avail, 1u);
  if (length > kLgmpMsgsSize) return LgmpStatus::invalid_size;  // LGMP itself overflows here
  std::memcpy(out.data(), m.data, length);
  *size = length;
  return LgmpStatus::ok;
}

void LgmpHost::ack_data(std::uint32_t queue) { atomic_fetch_add(record(queue).cmsg_rserial, 1u); }

std::vector<std::uint32_t> LgmpHost::client_ids(std::uint32_t queue) {
  std::vector<std::uint32_t> ids;
  LgmpHeaderQueue& hq = record(queue);
  SpinGuard guard(hq.lock);
  if (!guard.locked()) return ids;
  const std::uint64_t now = clock_.now_ms();
  const std::uint64_t s = atomic_load(hq.subs);
  for (std::uint32_t b = 0; b < kLgmpMaxSubscribers; ++b) {
    if (!(subs_on(s) & (1u << b))) continue;
    if ((subs_bad(s) & (1u << b)) && now > hq.timeout[b]) continue;
    ids.push_back(hq.client_id[b]);
  }
  return ids;
}

}  // namespace kagami::protocol
