#pragma once
// KVMFR version 20 (Looking Glass B7) records and messages, byte for byte (kvmfr-v20.md).
// Every size and offset is checked below.
#include <cstddef>
#include <cstdint>

namespace kagami::protocol {

inline constexpr char kKvmfrMagic[8] = {'K', 'V', 'M', 'F', 'R', '-', '-', '-'};
inline constexpr std::uint32_t kKvmfrVersion = 20;
inline constexpr std::uint32_t kKvmfrFeatureSetCursorPos = 0x1;

inline constexpr std::uint32_t kQueueFrame = 2;    // LGMP_Q_FRAME
inline constexpr std::uint32_t kQueuePointer = 1;  // LGMP_Q_POINTER
inline constexpr std::uint32_t kQueueFrameLength = 2;
inline constexpr std::uint32_t kQueuePointerLength = 20;
inline constexpr std::uint32_t kQueueTimeoutMs = 1000;

inline constexpr std::uint32_t kMaxDamageRects = 64;
inline constexpr std::uint32_t kFrameBufferChunk = 1048576;  // wp is advanced at least every MiB
inline constexpr std::uint32_t kCursorBuffers = 20;          // position-only messages
inline constexpr std::uint32_t kCursorShapeBuffers = 3;
inline constexpr std::uint32_t kMaxCursorShapeBytes = 512 * 512 * 4;
inline constexpr std::uint32_t kMaxPointerSize = 24 + kMaxCursorShapeBytes;  // 1048600
inline constexpr std::uint32_t kFrameBuffers = 2;

struct KvmfrHeader {
  char magic[8];
  std::uint32_t version;
  char hostver[32];
  std::uint32_t features;
};
static_assert(sizeof(KvmfrHeader) == 48 && offsetof(KvmfrHeader, hostver) == 12 &&
              offsetof(KvmfrHeader, features) == 44);

// 1 and 2 are B7's. kagami_output is kagami's own: a B7 client skips record types it does not
// know (kvmfr-v20.md §1), and the payload starts with kKagamiOutputTag so that another
// program's record 0x80 is never read as ours.
enum class KvmfrRecordType : std::uint8_t { vm_info = 1, os_info = 2, kagami_output = 0x80 };

struct KvmfrRecordHeader {
  std::uint8_t type;
  std::uint8_t pad[3];  // unspecified on the wire: ignore on read, zero on write
  std::uint32_t size;
};
static_assert(sizeof(KvmfrRecordHeader) == 8 && offsetof(KvmfrRecordHeader, size) == 4);

struct KvmfrVmInfo {  // followed by the NUL-terminated CPU model
  std::uint8_t uuid[16];
  char capture[32];
  std::uint8_t cpus;
  std::uint8_t cores;
  std::uint8_t sockets;
};
static_assert(sizeof(KvmfrVmInfo) == 51 && offsetof(KvmfrVmInfo, capture) == 16 &&
              offsetof(KvmfrVmInfo, cpus) == 48);

// kagami_output payload: which guest output this region shows and where it lies in the guest
// desktop (all outputs' bounding box), so a viewer with one window per region can map pointer
// positions into the desktop. Followed by the NUL-terminated output name (at most 63 chars).
inline constexpr char kKagamiOutputTag[4] = {'K', 'G', 'M', 'O'};
struct KvmfrKagamiOutput {
  char tag[4];        // kKagamiOutputTag
  std::int32_t x, y;  // the output's top-left in the guest desktop
  std::uint32_t width, height;
  std::int32_t desktop_x, desktop_y;  // the guest desktop: the bounding box of all outputs
  std::uint32_t desktop_width, desktop_height;
  std::uint16_t index;  // this output's index among `count`
  std::uint16_t count;
};
static_assert(sizeof(KvmfrKagamiOutput) == 40 && offsetof(KvmfrKagamiOutput, x) == 4 &&
              offsetof(KvmfrKagamiOutput, desktop_x) == 20 && offsetof(KvmfrKagamiOutput, index) == 36);

enum class KvmfrOs : std::uint8_t { linux = 0, bsd = 1, osx = 2, windows = 3, other = 4 };

enum class FrameType : std::uint32_t {
  invalid = 0,
  bgra = 1,
  rgba = 2,
  rgba10 = 3,
  rgba16f = 4,
  bgr_32 = 5,
  rgb_24 = 6,
};
inline constexpr std::uint32_t kFrameTypeMax = 7;

enum class FrameRotation : std::uint32_t { r0 = 0, r90 = 1, r180 = 2, r270 = 3 };

inline constexpr std::uint32_t kFrameFlagBlockScreensaver = 0x1;
inline constexpr std::uint32_t kFrameFlagRequestActivation = 0x2;
inline constexpr std::uint32_t kFrameFlagTruncated = 0x4;
inline constexpr std::uint32_t kFrameFlagHdr = 0x8;
inline constexpr std::uint32_t kFrameFlagHdrPq = 0x10;

struct FrameDamageRect {
  std::uint32_t x, y, width, height;
};

struct KvmfrFrame {
  std::uint32_t format_ver;
  std::uint32_t frame_serial;
  FrameType type;
  std::uint32_t screen_width;
  std::uint32_t screen_height;
  std::uint32_t data_width;   // texels of the buffer format
  std::uint32_t data_height;  // rows present (may be truncated)
  std::uint32_t frame_width;  // displayed size after unpacking
  std::uint32_t frame_height;
  FrameRotation rotation;
  std::uint32_t stride;  // texels per row (0: dataWidth)
  std::uint32_t pitch;   // bytes per row (0: stride * bytes per texel)
  std::uint32_t offset;  // from this header to the FrameBuffer (B7: 4092)
  std::uint32_t damage_rects_count;  // 0 = everything
  FrameDamageRect damage_rects[kMaxDamageRects];
  std::uint32_t flags;
};
static_assert(sizeof(KvmfrFrame) == 1084 && alignof(KvmfrFrame) == 4);
static_assert(offsetof(KvmfrFrame, rotation) == 36 && offsetof(KvmfrFrame, stride) == 40 &&
              offsetof(KvmfrFrame, pitch) == 44 && offsetof(KvmfrFrame, offset) == 48 &&
              offsetof(KvmfrFrame, damage_rects_count) == 52 &&
              offsetof(KvmfrFrame, damage_rects) == 56 && offsetof(KvmfrFrame, flags) == 1080);

// At frame + frame.offset: the progressive write pointer, then the pixels.
struct FrameBufferHeader {
  std::uint32_t wp;  // atomic: bytes of pixel data written so far
};
inline constexpr std::uint32_t kFrameBufferHeaderSize = 4;

inline constexpr std::uint32_t kCursorFlagPosition = 0x1;
inline constexpr std::uint32_t kCursorFlagVisible = 0x2;
inline constexpr std::uint32_t kCursorFlagShape = 0x4;

enum class CursorType : std::uint32_t { color = 0, monochrome = 1, masked_color = 2 };

struct KvmfrCursor {  // followed by height * pitch bytes of shape when the SHAPE flag is set
  std::int16_t x;
  std::int16_t y;
  CursorType type;
  std::int8_t hx;
  std::int8_t hy;
  std::uint8_t pad[2];
  std::uint32_t width;
  std::uint32_t height;  // MONOCHROME: twice the visible height (AND rows, then XOR rows)
  std::uint32_t pitch;
};
static_assert(sizeof(KvmfrCursor) == 24 && offsetof(KvmfrCursor, type) == 4 &&
              offsetof(KvmfrCursor, hx) == 8 && offsetof(KvmfrCursor, width) == 12 &&
              offsetof(KvmfrCursor, pitch) == 20);

enum class KvmfrMessageType : std::uint32_t { set_cursor_pos = 0 };

struct KvmfrSetCursorPos {
  std::uint32_t type;  // KvmfrMessageType::set_cursor_pos
  std::int32_t x;
  std::int32_t y;
};
static_assert(sizeof(KvmfrSetCursorPos) == 12);

}  // namespace kagami::protocol
