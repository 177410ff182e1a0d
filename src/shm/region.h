#pragma once
// A mapped shared-memory region: the /dev/shm file, the kvmfr character device, or the guest's
// ivshmem PCI BAR2. One small interface; each way of reaching the memory is its own backend.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"

namespace kagami::shm {

class Region {
 public:
  virtual ~Region() = default;
  // The whole mapping, page-aligned. Valid for the Region's lifetime.
  virtual std::span<std::byte> bytes() const = 0;
  // For the user: "/dev/shm/looking-glass (32 MiB file)".
  virtual std::string describe() const = 0;
  // An fd for the memory (MIT-SHM attach), or -1. Owned by the Region: dup() before handing it on.
  virtual int fd() const { return -1; }
  // Things the user should know that do not stop the mapping, e.g. a size that is not a power of
  // two (QEMU cannot use it as a BAR). Callers log them as warnings.
  virtual std::vector<std::string> notes() const { return {}; }

  // A region that shrinks. Anyone may truncate the file under a live mapping; on Linux every
  // mapping is registered with the SIGBUS guard (sigbus_guard.h), so an access past the file's
  // new end does not kill the process: it reads zeros (writes go nowhere) and shrunk() turns true.
  // What the owner does:
  //  - before (re)attaching a session and whenever shrunk(): compare current_file_size() with
  //    bytes().size(); tell the user "the region shrank to N MiB" and stop trusting its content;
  //  - once current_file_size() >= bytes().size() again, call remap(): the same address range
  //    maps the file again (spans stay valid) and shrunk() turns false. Or reopen the region.
  // Backends whose memory cannot shrink (Windows, devices) keep these defaults.
  //
  // True once an access past the file's end was absorbed, until remap() succeeds. Cheap (atomic).
  virtual bool shrunk() const { return false; }
  // The backing file's size now (one fstat): less than bytes().size() means it was truncated.
  virtual std::uint64_t current_file_size() const { return bytes().size(); }
  // Maps the file again over the same range, when it is whole (current_file_size() at least
  // bytes().size()); an Error naming both sizes otherwise. Other threads may keep reading
  // meanwhile: each page switches from zeros to the file's content atomically.
  virtual Result<void> remap() { return {}; }
};

struct FileOptions {
  bool create = false;                // create (or grow an empty file) when missing
  std::optional<std::uint64_t> size;  // size when creating; an existing file must be at least this big
  unsigned mode = 0660;               // mode when creating
};

// A plain file, normally in /dev/shm. Errors name the path, the problem and the fix
// ("/dev/shm/looking-glass is 16 MiB, 1920x1080 needs 32 MiB: run `kagami-setup size 1920x1080`"
// is the caller's job; here: missing, permission denied with owner/mode, empty, not a regular file).
Result<std::unique_ptr<Region>> open_file(const std::string& path, const FileOptions& options = {});

// The kvmfr character device (/dev/kvmfrN): size from KVMFR_DMABUF_GETSIZE.
Result<std::unique_ptr<Region>> open_kvmfr(const std::string& path);

// The guest side: the ivshmem PCI device's BAR2 through sysfs (resource2_wc, else resource2).
// `bdf` picks a device ("0000:00:03.0"); otherwise the first 1af4:1110 found. `sysfs_root`
// is "/sys" except in tests.
Result<std::unique_ptr<Region>> open_pci_bar(const std::optional<std::string>& bdf,
                                             const std::string& sysfs_root = "/sys");

// The user's --shm/--device value: "/dev/kvmfrN" -> kvmfr, "ivshmem" or "ivshmem:BDF" -> PCI BAR,
// anything else -> a file.
Result<std::unique_ptr<Region>> open_region(const std::string& spec);

}  // namespace kagami::shm
