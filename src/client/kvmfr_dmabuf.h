#pragma once
// The kvmfr kernel module's DMA-BUF interface (/dev/kvmfrN, Looking Glass's module/kvmfr.h; these
// are our own definitions of that uapi, checked against its layout in tests/client): a dma-buf fd
// for a page-aligned span of the device, which a GPU driver can import (EGL_EXT_image_dma_buf_import,
// VK_EXT_external_memory_dma_buf) so the GPU reads the guest's frame buffer itself.
//
// State: the client does not import DMA-BUFs yet. FrameIntake probes a kvmfr region once and logs
// whether the import would be possible; frames go through the renderer's upload path (GLES: the
// PBO ring) either way. A backend adding the import calls create_dmabuf() per frame buffer and
// falls back to its upload path on any error.
#include <sys/ioctl.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/result.h"

namespace kagami::client::kvmfr {

// struct kvmfr_dmabuf_create: C layout, __u8 then two __u64 (7 bytes of padding after flags).
struct DmabufCreate {
  std::uint8_t flags = 0;
  std::uint64_t offset = 0;  // bytes into the device, page-aligned
  std::uint64_t size = 0;    // bytes, page-aligned
};
static_assert(sizeof(DmabufCreate) == 24 && offsetof(DmabufCreate, offset) == 8 &&
                  offsetof(DmabufCreate, size) == 16,
              "the kernel's struct kvmfr_dmabuf_create layout");

inline constexpr std::uint8_t kDmabufFlagCloexec = 0x1;
inline constexpr unsigned long kIoctlDmabufCreate = _IOW('u', 0x42, DmabufCreate);  // returns the dma-buf fd
inline constexpr unsigned long kIoctlDmabufGetSize = _IO('u', 0x44);                // returns the device size

// A dma-buf fd (close-on-exec) for [offset, offset + size) of the kvmfr device `device_fd`. Errors
// say why (not page-aligned, outside the device, not a kvmfr device, the kernel's errno).
Result<int> create_dmabuf(int device_fd, std::uint64_t offset, std::uint64_t size);

// Whether `device_fd` is a kvmfr device that hands out DMA-BUFs: "" when it is, else why not
// (for the log line that says which upload path the client uses instead).
std::string dmabuf_unavailable_reason(int device_fd);

}  // namespace kagami::client::kvmfr
