#include "protocol/lgmp_layout.h"

namespace kagami::protocol {

const char* to_string(LgmpStatus status) {
  switch (status) {
    case LgmpStatus::ok: return "LGMP_OK";
    case LgmpStatus::clock_failure: return "LGMP_CLOCK_FAILURE";
    case LgmpStatus::invalid_argument: return "LGMP_ERR_INVALID_ARGUMENT";
    case LgmpStatus::invalid_size: return "LGMP_ERR_INVALID_SIZE";
    case LgmpStatus::invalid_alignment: return "LGMP_ERR_INVALID_ALIGNMENT";
    case LgmpStatus::invalid_session: return "LGMP_ERR_INVALID_SESSION";
    case LgmpStatus::no_mem: return "LGMP_ERR_NO_MEM";
    case LgmpStatus::no_shared_mem: return "LGMP_ERR_NO_SHARED_MEM";
    case LgmpStatus::host_started: return "LGMP_ERR_HOST_STARTED";
    case LgmpStatus::no_queues: return "LGMP_ERR_NO_QUEUES";
    case LgmpStatus::queue_full: return "LGMP_ERR_QUEUE_FULL";
    case LgmpStatus::queue_empty: return "LGMP_ERR_QUEUE_EMPTY";
    case LgmpStatus::queue_unsubscribed: return "LGMP_ERR_QUEUE_UNSUBSCRIBED";
    case LgmpStatus::queue_timeout: return "LGMP_ERR_QUEUE_TIMEOUT";
    case LgmpStatus::invalid_magic: return "LGMP_ERR_INVALID_MAGIC";
    case LgmpStatus::invalid_version: return "LGMP_ERR_INVALID_VERSION";
    case LgmpStatus::no_such_queue: return "LGMP_ERR_NO_SUCH_QUEUE";
    case LgmpStatus::corrupted: return "LGMP_ERR_CORRUPTED";
  }
  return "LGMP_ERR_UNKNOWN";
}

}  // namespace kagami::protocol
