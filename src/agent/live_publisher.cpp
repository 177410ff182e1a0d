#include "agent/live_publisher.h"

#include <fmt/format.h>

#include <thread>

#include "protocol/kvmfr_udata.h"
#include "protocol/lgmp_layout.h"
#include "protocol/shared_atomic.h"

namespace kagami::agent {

namespace {

constexpr std::chrono::milliseconds kPoll{5};

// "kagami 0.1.0, capture 'x11', Linux 'Debian GNU/Linux 12 (bookworm)'", or what of it is known.
std::string who(std::span<std::byte> region, const protocol::LgmpHeader& h) {
  const std::uint32_t size = h.udata_size;
  if (size > region.size() - protocol::kLgmpUdataOffset) return "its user data is damaged";
  auto info = protocol::parse_udata(region.subspan(protocol::kLgmpUdataOffset, size));
  if (!info) return info.error().message;
  std::string text = info->host_version.empty() ? "unknown version" : info->host_version;
  if (info->vm) text += fmt::format(", capture '{}'", info->vm->capture);
  if (info->os) text += fmt::format(", {} '{}'", protocol::os_name(info->os->os), info->os->name);
  return text;
}

}  // namespace

std::optional<std::string> find_live_publisher(std::span<std::byte> region,
                                               std::chrono::milliseconds window) {
  if (region.size() < protocol::kLgmpHeaderSize) return std::nullopt;
  auto& h = *reinterpret_cast<protocol::LgmpHeader*>(region.data());
  if (protocol::atomic_load(h.magic) != protocol::kLgmpMagic) return std::nullopt;
  const std::uint64_t first = protocol::atomic_load(h.timestamp);
  const auto deadline = std::chrono::steady_clock::now() + window;
  while (protocol::atomic_load(h.timestamp) == first) {
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(kPoll);
  }
  return fmt::format("LGMP session {:#010x}, heartbeat live; it says: {}",
                     protocol::atomic_load(h.session_id), who(region, h));
}

}  // namespace kagami::agent
