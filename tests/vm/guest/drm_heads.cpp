// Guest program: lights every connected DRM connector (up to two) on a CRTC of its own and shows a
// different test picture on each, as a guest with two monitors would. It stays running, since the
// kernel's console takes the CRTCs back when the last DRM master goes away, and redraws one head
// on each "HEAD SEED" line written to the --fifo file ("off HEAD" / "on HEAD" turn its CRTC off
// and on again; "shared SEED0 SEED1" moves both heads to one new desktop-wide buffer, side by
// side; "stacked SEED0 SEED1" to one with the second head below the first).
//
// Usage: kagami-vm-drm-heads [--shared-fb] [--fifo PATH] SEED0 [SEED1]
//   default:     each head scans out a dumb buffer of its own mode's size (Wayland compositors);
//   --shared-fb: one dumb buffer holds both heads side by side and each CRTC scans out its part
//                at an x offset (what Xorg's modesetting driver does), so a capture must crop.
// Prints "head I: NAME crtc ID WxH at X,0" per head, then "ready"; "drew head I seed S" per redraw,
// "head I off" / "head I on" per switch, "shared buffer, seeds S0 S1" / "stacked buffer, seeds S0 S1"
// after a move.
// virtio-gpu only shows what was drawn after the dirty-fb ioctl, so every draw ends with one.
#include <fcntl.h>
#include <linux/kd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <string>
#include <vector>

#include "test_pattern.h"

namespace {

struct Buffer {
  std::uint32_t handle = 0, fb_id = 0, width = 0, height = 0, pitch = 0;
  std::uint8_t* pixels = nullptr;
};

struct Head {
  std::string name;
  std::uint32_t connector_id = 0, crtc_id = 0;
  drmModeModeInfo mode{};
  std::uint32_t desktop_x = 0;  // where this head lies in the desktop (side by side)
  std::uint32_t x = 0, y = 0;   // where this head starts in its buffer (its desktop place in a shared one)
  Buffer* buffer = nullptr;     // the buffer this head's CRTC scans out
};

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "kagami-vm-drm-heads: %s: %s\n", what, std::strerror(errno));
  std::exit(1);
}

Buffer make_buffer(int fd, std::uint32_t width, std::uint32_t height) {
  drm_mode_create_dumb create{};
  create.width = width;
  create.height = height;
  create.bpp = 32;
  if (drmIoctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &create) != 0) fail("create a dumb buffer");
  Buffer b;
  b.handle = create.handle;
  b.width = width;
  b.height = height;
  b.pitch = create.pitch;
  if (drmModeAddFB(fd, width, height, 24, 32, b.pitch, b.handle, &b.fb_id) != 0) fail("add a framebuffer");
  drm_mode_map_dumb map{};
  map.handle = b.handle;
  if (drmIoctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &map) != 0) fail("map a dumb buffer");
  void* data =
      mmap(nullptr, create.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, static_cast<off_t>(map.offset));
  if (data == MAP_FAILED) fail("mmap a dumb buffer");
  b.pixels = static_cast<std::uint8_t*>(data);
  return b;
}

// Draws the picture of `seed` into the head's part of its buffer (pattern coordinates are the
// head's own, so the host compares each output with pattern_pixel from its own origin) and
// tells the device which part changed.
void draw(int fd, const Head& head, std::uint32_t seed) {
  const Buffer& b = *head.buffer;
  for (std::uint32_t y = 0; y < head.mode.vdisplay; ++y) {
    auto* row = reinterpret_cast<std::uint32_t*>(b.pixels + std::size_t{head.y + y} * b.pitch) + head.x;
    for (std::uint32_t x = 0; x < head.mode.hdisplay; ++x)
      row[x] = kagami::vm_test::pattern_pixel(x, y, seed);
  }
  drmModeClip clip{static_cast<std::uint16_t>(head.x), static_cast<std::uint16_t>(head.y),
                   static_cast<std::uint16_t>(head.x + head.mode.hdisplay),
                   static_cast<std::uint16_t>(head.y + head.mode.vdisplay)};
  if (drmModeDirtyFB(fd, b.fb_id, &clip, 1) != 0 && errno != ENOSYS) fail("dirty-fb");
}

// A CRTC the connector can drive and no earlier head uses.
std::uint32_t free_crtc(int fd, const drmModeRes& res, const drmModeConnector& conn,
                        const std::vector<Head>& heads) {
  for (int e = 0; e < conn.count_encoders; ++e) {
    drmModeEncoder* enc = drmModeGetEncoder(fd, conn.encoders[e]);
    if (enc == nullptr) continue;
    const std::uint32_t possible = enc->possible_crtcs;
    drmModeFreeEncoder(enc);
    for (int c = 0; c < res.count_crtcs; ++c) {
      bool used = false;
      for (const Head& h : heads) used |= h.crtc_id == res.crtcs[c];
      if ((possible & (1u << c)) != 0 && !used) return res.crtcs[c];
    }
  }
  return 0;
}

enum class Layout { own_buffers, shared, stacked };

// Gives every head a new buffer (one each, or one for the whole desktop with the heads side by
// side or one below the other), draws the picture of its seed in it and points its CRTC at it.
// Buffers live as long as the program.
void show(int fd, std::vector<Head>& heads, Layout layout, const std::vector<std::uint32_t>& seeds,
          std::deque<Buffer>& buffers) {
  std::uint32_t desktop_width = 0, desktop_height = 0, stacked_height = 0;
  for (const Head& head : heads) {
    desktop_width = std::max<std::uint32_t>(desktop_width, head.desktop_x + head.mode.hdisplay);
    desktop_height = std::max<std::uint32_t>(desktop_height, head.mode.vdisplay);
    stacked_height += head.mode.vdisplay;
  }
  if (layout == Layout::shared) buffers.push_back(make_buffer(fd, desktop_width, desktop_height));
  if (layout == Layout::stacked) {
    std::uint32_t widest = 0;
    for (const Head& head : heads) widest = std::max<std::uint32_t>(widest, head.mode.hdisplay);
    buffers.push_back(make_buffer(fd, widest, stacked_height));
  }
  std::uint32_t next_y = 0;
  for (std::size_t i = 0; i < heads.size(); ++i) {
    Head& head = heads[i];
    if (layout == Layout::own_buffers)
      buffers.push_back(make_buffer(fd, head.mode.hdisplay, head.mode.vdisplay));
    head.buffer = &buffers.back();
    head.x = layout == Layout::shared ? head.desktop_x : 0;
    head.y = layout == Layout::stacked ? next_y : 0;
    next_y += head.mode.vdisplay;
    draw(fd, head, seeds[i]);
    if (drmModeSetCrtc(fd, head.crtc_id, head.buffer->fb_id, head.x, head.y, &head.connector_id, 1,
                       &head.mode) != 0)
      fail("set the CRTC");
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // the host reads the log while we run
  bool shared_fb = false;
  const char* fifo = nullptr;
  std::vector<std::uint32_t> seeds;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--shared-fb") == 0) {
      shared_fb = true;
    } else if (std::strcmp(argv[i], "--fifo") == 0 && i + 1 < argc) {
      fifo = argv[++i];
    } else {
      seeds.push_back(static_cast<std::uint32_t>(std::strtoul(argv[i], nullptr, 0)));
    }
  }
  if (seeds.empty() || seeds.size() > 2) {
    std::fprintf(stderr, "usage: %s [--shared-fb] [--fifo PATH] SEED0 [SEED1]\n", argv[0]);
    return 2;
  }
  const int tty = open("/dev/tty0", O_RDWR);
  if (tty < 0 || ioctl(tty, KDSETMODE, KD_GRAPHICS) != 0) fail("switch /dev/tty0 to KD_GRAPHICS");
  close(tty);
  const int fd = open("/dev/dri/card0", O_RDWR | O_CLOEXEC);
  if (fd < 0) fail("open /dev/dri/card0");
  drmModeRes* res = drmModeGetResources(fd);
  if (res == nullptr) fail("get DRM resources");

  std::vector<Head> heads;
  std::uint32_t desktop_width = 0;
  for (int c = 0; c < res->count_connectors && heads.size() < seeds.size(); ++c) {
    drmModeConnector* conn = drmModeGetConnector(fd, res->connectors[c]);
    if (conn == nullptr) continue;
    const char* type = drmModeGetConnectorTypeName(conn->connector_type);
    const std::string name =
        std::string(type ? type : "Unknown") + "-" + std::to_string(conn->connector_type_id);
    std::printf("connector %s: %s, %d modes\n", name.c_str(),
                conn->connection == DRM_MODE_CONNECTED ? "connected" : "not connected", conn->count_modes);
    if (conn->connection == DRM_MODE_CONNECTED && conn->count_modes > 0) {
      Head head;
      head.name = name;
      head.connector_id = conn->connector_id;
      // The mode the kernel command line asks for (video=NAME:WxH), else the preferred one.
      head.mode = conn->modes[0];
      for (const std::uint32_t wanted : {DRM_MODE_TYPE_USERDEF, DRM_MODE_TYPE_PREFERRED}) {
        bool found = false;
        for (int m = 0; m < conn->count_modes && !found; ++m) {
          found = (conn->modes[m].type & wanted) != 0;
          if (found) head.mode = conn->modes[m];
        }
        if (found) break;
      }
      head.crtc_id = free_crtc(fd, *res, *conn, heads);
      head.desktop_x = desktop_width;
      if (head.crtc_id != 0) {
        desktop_width += head.mode.hdisplay;
        heads.push_back(head);
      }
    }
    drmModeFreeConnector(conn);
  }
  if (heads.size() != seeds.size()) {
    std::fprintf(stderr, "kagami-vm-drm-heads: %zu seeds but %zu connected connectors with a free CRTC\n",
                 seeds.size(), heads.size());
    return 1;
  }

  std::deque<Buffer> buffers;
  show(fd, heads, shared_fb ? Layout::shared : Layout::own_buffers, seeds, buffers);
  for (std::size_t i = 0; i < heads.size(); ++i) {
    std::printf("head %zu: %s crtc %u %ux%u at %u,0\n", i, heads[i].name.c_str(), heads[i].crtc_id,
                heads[i].mode.hdisplay, heads[i].mode.vdisplay, heads[i].desktop_x);
  }
  std::printf("ready\n");
  std::fflush(stdout);
  if (fifo == nullptr) {
    pause();  // keep the heads lit until killed
    return 0;
  }
  // Read and write, so the fifo never reports end-of-file when a writer closes it.
  FILE* commands = std::fopen(fifo, "r+");
  if (commands == nullptr) fail("open the fifo");
  char line[64];
  while (std::fgets(line, sizeof(line), commands) != nullptr) {
    unsigned index = 0, seed = 0;
    char word[8] = {};
    if (std::sscanf(line, "%7s %u", word, &index) == 2 &&
        (std::strcmp(word, "off") == 0 || std::strcmp(word, "on") == 0)) {
      if (index >= heads.size()) {
        std::printf("no head %u\n", index);
        continue;
      }
      // Off: the CRTC shows nothing (a monitor switched off in the display settings); on: back.
      Head& head = heads[index];
      const bool on = word[1] == 'n';
      const int r = on ? drmModeSetCrtc(fd, head.crtc_id, head.buffer->fb_id, head.x, head.y,
                                        &head.connector_id, 1, &head.mode)
                       : drmModeSetCrtc(fd, head.crtc_id, 0, 0, 0, nullptr, 0, nullptr);
      if (r != 0) fail(on ? "set the CRTC" : "turn the CRTC off");
      std::printf("head %u %s\n", index, word);
    } else if (unsigned seed1 = 0;
               std::sscanf(line, "shared %u %u", &seed, &seed1) == 2 && heads.size() == 2) {
      show(fd, heads, Layout::shared, {seed, seed1}, buffers);  // both heads move to one desktop-wide buffer
      std::printf("shared buffer, seeds %u %u\n", seed, seed1);
    } else if (std::sscanf(line, "stacked %u %u", &seed, &seed1) == 2 && heads.size() == 2) {
      show(fd, heads, Layout::stacked, {seed, seed1}, buffers);  // the second head below the first
      std::printf("stacked buffer, seeds %u %u\n", seed, seed1);
    } else if (std::sscanf(line, "%u %u", &index, &seed) == 2 && index < heads.size()) {
      draw(fd, heads[index], seed);
      std::printf("drew head %u seed %u\n", index, seed);
    } else {
      std::printf("not a command: %s", line);
    }
  }
  return 0;
}
