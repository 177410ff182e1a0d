#include "protocol/lgmp_client.h"

#include <bit>
#include <cstring>

#include <fmt/format.h>

#include "protocol/shared_atomic.h"

namespace kagami::protocol {

LgmpClient::LgmpClient(Clock& clock, RandomSource& random) : clock_(clock), random_(random) {}

LgmpStatus LgmpClient::corrupted(std::string why) {
  last_error_ = std::move(why);
  return LgmpStatus::corrupted;
}

LgmpStatus LgmpClient::init(std::span<std::byte> memory) {
  if (memory.size() < kLgmpHeaderSize) return LgmpStatus::invalid_size;
  if (clock_.now_ms() == 0) return LgmpStatus::clock_failure;
  memory_ = memory;
  host_time_ = atomic_load(header().timestamp);
  session_id_ = 0;
  return LgmpStatus::ok;
}

LgmpStatus LgmpClient::session_init(std::span<const std::byte>* udata) {
  LgmpHeader& h = header();
  if (h.magic != kLgmpMagic) return LgmpStatus::invalid_magic;
  if (h.version != kLgmpVersion) return LgmpStatus::invalid_version;
  const std::uint64_t t = atomic_load(h.timestamp);
  if (t == host_time_) return LgmpStatus::invalid_session;

  const std::uint32_t udata_size = h.udata_size;
  const std::uint64_t room = memory_.size() - kLgmpUdataOffset;
  if (udata_size > room)
    return corrupted(fmt::format("the host's user data size ({} bytes) runs past the end of the "
                                 "{}-byte region", udata_size, memory_.size()));

  client_id_ = random_.next_u32();
  session_id_ = h.session_id;
  host_time_ = t;
  last_heartbeat_ = clock_.now_ms();
  *udata = std::span<const std::byte>(memory_.data() + kLgmpUdataOffset, udata_size);
  return LgmpStatus::ok;
}

bool LgmpClient::session_valid() {
  LgmpHeader& h = header();
  if (h.session_id != session_id_) return false;
  const std::uint64_t t = atomic_load(h.timestamp);
  const std::uint64_t now = clock_.now_ms();
  if (t != host_time_) {
    host_time_ = t;
    last_heartbeat_ = now;
    return true;
  }
  return now - last_heartbeat_ <= kLgmpHeartbeatTimeoutMs;
}

LgmpStatus LgmpClient::subscribe(std::uint32_t queue_id, LgmpSubscription* out) {
  LgmpHeader& h = header();
  const std::uint32_t num_queues = h.num_queues;
  if (num_queues > kLgmpMaxQueues)
    return corrupted(fmt::format("the host claims {} queues; LGMP has at most {}", num_queues, kLgmpMaxQueues));

  std::uint32_t index = 0;
  while (index < num_queues && h.queues[index].queue_id != queue_id) ++index;
  if (index == num_queues) return LgmpStatus::no_such_queue;
  LgmpHeaderQueue& hq = h.queues[index];

  const std::uint32_t num_messages = hq.num_messages;
  const std::uint32_t messages_offset = hq.messages_offset;
  const std::uint32_t max_time = hq.max_time;
  if (num_messages < 2 || messages_offset % 4 != 0 || messages_offset < kLgmpHeaderSize ||
      std::uint64_t{messages_offset} + 16ull * num_messages > memory_.size())
    return corrupted(fmt::format("queue {} has an impossible ring: {} slots at offset {} in a "
                                 "{}-byte region", queue_id, num_messages, messages_offset,
                                 memory_.size()));

  SpinGuard guard(hq.lock);
  if (!guard.locked()) return corrupted(fmt::format("queue {}'s lock is held and never released", queue_id));

  std::uint64_t s = atomic_load(hq.subs);
  if (subs_on(s) != 0) {  // reap evicted subscribers whose grace period has passed
    const std::uint64_t host_now = atomic_load(h.timestamp);
    for (std::uint32_t b = 0; b < kLgmpMaxSubscribers; ++b) {
      if ((subs_bad(s) & (1u << b)) && host_now > hq.timeout[b]) {
        hq.timeout[b] = 0;
        hq.client_id[b] = 0;
        s = subs_clear(s, b);
      }
    }
  }
  const std::uint32_t free_slots = ~(subs_on(s) | subs_bad(s));
  if (free_slots == 0) return LgmpStatus::queue_full;
  const auto bit = static_cast<std::uint32_t>(std::countr_zero(free_slots));

  // Checked before the slot is taken: a refused subscribe must not leave a slot held by nobody.
  const std::uint32_t position = atomic_load(hq.position);
  if (position >= num_messages)
    return corrupted(fmt::format("queue {}'s write index {} is outside its {} slots", queue_id,
                                 position, num_messages));

  hq.timeout[bit] = 0;
  hq.client_id[bit] = client_id_;
  atomic_store(hq.subs, s | subs_on_bit(bit));
  atomic_fetch_add(hq.new_sub_count, 1u);

  *out = LgmpSubscription{};
  out->client_ = this;
  out->queue_index_ = index;
  out->bit_index_ = bit;
  out->num_messages_ = num_messages;
  out->messages_offset_ = messages_offset;
  out->max_time_ = max_time;
  out->index_ = position;
  return LgmpStatus::ok;
}

LgmpHeaderQueue& LgmpSubscription::record() const { return client_->header().queues[queue_index_]; }

LgmpHeaderMessage& LgmpSubscription::slot(std::uint32_t index) const {
  return reinterpret_cast<LgmpHeaderMessage*>(client_->memory_.data() + messages_offset_)[index];
}

LgmpStatus LgmpSubscription::corrupted(std::string why) { return client_->corrupted(std::move(why)); }

LgmpStatus LgmpSubscription::check_state(std::uint32_t* position) {
  const std::uint64_t s = atomic_load(record().subs);
  if (subs_bad(s) & (1u << bit_index_)) return LgmpStatus::queue_timeout;
  if (!(subs_on(s) & (1u << bit_index_)))
    return client_->session_valid() ? LgmpStatus::queue_unsubscribed : LgmpStatus::invalid_session;
  *position = atomic_load(record().position);
  if (*position >= num_messages_)
    return corrupted(fmt::format("the write index {} is outside the queue's {} slots", *position, num_messages_));
  if (*position == index_) return LgmpStatus::queue_empty;
  return LgmpStatus::ok;
}

LgmpStatus LgmpSubscription::process(LgmpMessage* out) {
  std::uint32_t position = 0;
  if (LgmpStatus status = check_state(&position); status != LgmpStatus::ok) return status;
  const LgmpHeaderMessage& m = slot(index_);
  LgmpMessage copy{m.udata, m.size, m.offset};
  if (std::uint64_t{copy.offset} + copy.size > client_->memory_.size())
    return corrupted(fmt::format("a message of {} bytes at offset {} lies outside the {}-byte region",
                                 copy.size, copy.offset, client_->memory_.size()));
  *out = copy;
  return LgmpStatus::ok;
}

LgmpStatus LgmpSubscription::message_done() {
  std::uint32_t position = 0;
  if (LgmpStatus status = check_state(&position); status != LgmpStatus::ok) return status;
  LgmpHeaderQueue& hq = record();
  const std::uint32_t bit = 1u << bit_index_;
  const std::uint32_t old = atomic_fetch_and(slot(index_).pending_subs, ~bit);
  if ((old & ~bit) == 0 && try_lock(hq.lock)) {
    if (hq.start == index_) {
      hq.start = (index_ + 1) % num_messages_;
      if (atomic_fetch_sub(hq.count, 1u) == 0) {
        atomic_store(hq.count, 0u);
        unlock(hq.lock);
        return corrupted("the queue's message count went below zero");
      }
      atomic_store(hq.msg_timeout, atomic_load(client_->header().timestamp) + max_time_);
    }
    unlock(hq.lock);
  }
  index_ = (index_ + 1) % num_messages_;
  return LgmpStatus::ok;
}

LgmpStatus LgmpSubscription::advance_to_last() {
  LgmpHeaderQueue& hq = record();
  const std::uint64_t s = atomic_load(hq.subs);
  if ((subs_bad(s) & (1u << bit_index_)) || hq.client_id[bit_index_] != client_->client_id_)
    return LgmpStatus::queue_timeout;
  std::uint32_t position = 0;
  if (LgmpStatus status = check_state(&position); status != LgmpStatus::ok) return status;

  const std::uint32_t newest = (position + num_messages_ - 1) % num_messages_;
  const std::uint32_t bit = 1u << bit_index_;
  bool locked = false;
  bool dequeuing = true;  // stops at the first slot we cannot dequeue ourselves
  LgmpStatus result = LgmpStatus::ok;
  while (index_ != newest) {
    const std::uint32_t old = atomic_fetch_and(slot(index_).pending_subs, ~bit);
    if (dequeuing && (old & ~bit) == 0 && (locked || (locked = try_lock(hq.lock))) && hq.start == index_) {
      hq.start = (index_ + 1) % num_messages_;
      if (atomic_fetch_sub(hq.count, 1u) == 0) {
        atomic_store(hq.count, 0u);
        result = corrupted("the queue's message count went below zero");
        dequeuing = false;
      }
    } else {
      dequeuing = false;
    }
    index_ = (index_ + 1) % num_messages_;
  }
  if (locked) {
    atomic_store(hq.msg_timeout, atomic_load(client_->header().timestamp) + max_time_);
    unlock(hq.lock);
  }
  return result;
}

LgmpStatus LgmpSubscription::unsubscribe() {
  LgmpHeaderQueue& hq = record();
  SpinGuard guard(hq.lock);
  if (!guard.locked()) return corrupted("the queue's lock is held and never released");
  const std::uint64_t s = atomic_load(hq.subs);
  if (subs_bad(s) & (1u << bit_index_)) return LgmpStatus::queue_timeout;
  atomic_store(hq.subs, subs_clear(s, bit_index_));
  hq.timeout[bit_index_] = 0;
  hq.client_id[bit_index_] = 0;
  return LgmpStatus::ok;
}

LgmpStatus LgmpSubscription::send_data(std::span<const std::uint8_t> data, std::uint32_t* serial) {
  if (data.size() > kLgmpMsgsSize) return LgmpStatus::invalid_size;
  LgmpHeaderQueue& hq = record();
  if (subs_bad(atomic_load(hq.subs)) & (1u << bit_index_)) return LgmpStatus::queue_timeout;
  if (atomic_load(hq.cmsg_avail) == 0) return LgmpStatus::queue_full;

  SpinGuard guard(hq.cmsg_lock);
  if (!guard.locked()) return corrupted("the client-message lock is held and never released");
  if (atomic_load(hq.cmsg_avail) == 0) return LgmpStatus::queue_full;
  const std::uint32_t w = atomic_load(hq.cmsg_wpos);
  if (w >= kLgmpMsgsMax)
    return corrupted(fmt::format("the client-message write index {} is outside its {} slots", w, kLgmpMsgsMax));
  LgmpClientMessage& m = hq.cmsgs[w];
  m.size = static_cast<std::uint32_t>(data.size());
  if (!data.empty()) std::memcpy(m.data, data.data(), data.size());
  atomic_store(hq.cmsg_wpos, (w + 1) % kLgmpMsgsMax);
  atomic_fetch_sub(hq.cmsg_avail, 1u);
  *serial = atomic_fetch_add(hq.cmsg_wserial, 1u) + 1;
  return LgmpStatus::ok;
}

LgmpStatus LgmpSubscription::get_serial(std::uint32_t* serial) {
  LgmpHeaderQueue& hq = record();
  if (subs_bad(atomic_load(hq.subs)) & (1u << bit_index_)) return LgmpStatus::queue_timeout;
  *serial = atomic_load(hq.cmsg_rserial);
  return LgmpStatus::ok;
}

}  // namespace kagami::protocol
