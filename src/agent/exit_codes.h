#pragma once
// The exit codes of kagami-agent, the same on Linux and Windows (docs/agent.md, docs/windows.md).
namespace kagami::agent {

inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;           // anything else; the message says what
inline constexpr int kExitUsage = 2;           // bad command line
inline constexpr int kExitNoSharedMemory = 3;  // the region cannot be opened (Windows: no IVSHMEM device)
inline constexpr int kExitRegionInUse = 4;     // another agent is publishing into the region
inline constexpr int kExitRegionShrank = 5;    // the region's file was truncated under the agent

}  // namespace kagami::agent
