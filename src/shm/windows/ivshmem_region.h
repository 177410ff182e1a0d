#pragma once
// Windows: the region through the virtio-win IVSHMEM driver (ivshmem-access.md §4). The other
// functions of shm/region.h are implemented for Windows in windows_region.cpp: open_file maps a
// file (CreateFileMapping; under Wine Z:\dev\shm\NAME shares pages with Linux), open_region takes
// "ivshmem[:N|:SIZE]" or a file path.
#include <memory>

#include "common/result.h"
#include "shm/region.h"
#include "shm/windows/ivshmem_select.h"

namespace kagami::shm {

// Finds the devices (SetupDi on the driver's interface GUID), picks one, maps its BAR2
// write-combined (IOCTL_IVSHMEM_REQUEST_MMAP). The error for "no device" names the driver.
Result<std::unique_ptr<Region>> open_ivshmem(const IvshmemSelector& selector);

// The start of the message open_ivshmem returns when no device exists; the agent maps it to its
// documented exit code.
inline constexpr const char* kNoIvshmemDeviceMessage = "no IVSHMEM device found";

}  // namespace kagami::shm
