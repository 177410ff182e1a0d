#pragma once
// Before the agent lays a region out: is another host publishing into it right now? A second
// kagami-agent in another VM on the same ivshmem device, a Looking Glass host, or an agent on
// the host's /dev/shm file all move the LGMP heartbeat (the header's timestamp) every ~10 ms.
// Setting the region up under them would make both fight and every viewer reconnect each second.
#include <chrono>
#include <cstddef>
#include <optional>
#include <span>
#include <string>

namespace kagami::agent {

// Watches the heartbeat for up to `window`. Returns a description of the live publisher for the
// error message (its session, and what its user data says it is: version, capture, OS), or
// nullopt when the region holds no LGMP header or its heartbeat does not move. The region is
// untrusted: only the fixed header is read, the user data within the region's bounds.
std::optional<std::string> find_live_publisher(std::span<std::byte> region, std::chrono::milliseconds window);

}  // namespace kagami::agent
