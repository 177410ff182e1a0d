// wine_frame_reader: the native Linux side of the Wine end-to-end tests. It paints known content
// into a window on the private Xvfb, joins the region the Windows agent (under Wine) publishes
// into, and checks that a published frame equals the X server's own image of the root window,
// pixel for pixel; then it changes the content and checks the next matching frame again, with
// its damage rects covering every pixel that changed.
//
//   wine_frame_reader SHM_PATH [--changes N] [--timeout S] [--expect-capture NAME]
//                     [--pointer X,Y] [--expect-truncated] [--crop X,Y,W,H]
//                     [--expect-output "NAME X Y W H INDEX COUNT DX DY DW DH"] [--move-pointer X,Y]
// With --expect-truncated the region is too small for the screen: every frame must be flagged
// TRUNCATED and carry fewer rows than the screen has, and those rows are compared.
// With --crop the region shows one monitor of the screen (the agent's --output): frames are
// compared with that rectangle of the root, the painted window lies inside it, and the pointer
// (--pointer, in root coordinates) is expected relative to its corner. --expect-output checks the
// region's kagami output record: name, rectangle, index, count and the desktop's box.
// --move-pointer asks the agent to move the guest pointer to X,Y of the frame (what a client does
// when its window gains the pointer) and expects the X pointer there: the crop's corner + X,Y.
// (The cursor shape is not checked: under Wine, GetIconInfo of another process's cursor fails
// with ERROR_INVALID_CURSOR_HANDLE, so the agent sees positions only; shapes are unit-tested.)
// DISPLAY selects the X server. Exit 0 when every stage matched.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xcb/xcb.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "common/clock.h"
#include "protocol/kvmfr_frame.h"
#include "protocol/kvmfr_session.h"

namespace {

using namespace kagami;

struct Image {
  std::uint32_t width = 0, height = 0;
  std::vector<std::uint8_t> bgrx;  // width * 4 per row
};

int fail(const std::string& message) {
  std::fprintf(stderr, "wine_frame_reader: FAIL: %s\n", message.c_str());
  return 1;
}

struct Crop {
  std::int16_t x = 0, y = 0;
  std::uint16_t width = 0, height = 0;  // 0: the whole root
};

// The X server's own image of the root window, or of its `crop` rectangle.
Image grab_root(xcb_connection_t* x, const xcb_screen_t* screen, const Crop& crop) {
  Image image;
  image.width = crop.width != 0 ? crop.width : screen->width_in_pixels;
  image.height = crop.height != 0 ? crop.height : screen->height_in_pixels;
  auto* reply = xcb_get_image_reply(
      x,
      xcb_get_image(x, XCB_IMAGE_FORMAT_Z_PIXMAP, screen->root, crop.x, crop.y,
                    static_cast<std::uint16_t>(image.width), static_cast<std::uint16_t>(image.height), ~0u),
      nullptr);
  if (!reply) return {};
  const std::uint8_t* data = xcb_get_image_data(reply);
  const auto length = static_cast<std::size_t>(xcb_get_image_data_length(reply));
  if (length == std::size_t{image.width} * image.height * 4) image.bgrx.assign(data, data + length);
  free(reply);
  return image;
}

// A deterministic pattern that depends on `stage`: gradients plus a checkerboard.
void paint(xcb_connection_t* x, const xcb_screen_t* screen, xcb_window_t window, xcb_gcontext_t gc,
           std::uint16_t width, std::uint16_t height, int stage) {
  std::vector<std::uint8_t> pixels(std::size_t{width} * height * 4);
  for (std::uint32_t y = 0; y < height; ++y) {
    for (std::uint32_t x_ = 0; x_ < width; ++x_) {
      std::uint8_t* p = &pixels[(std::size_t{y} * width + x_) * 4];
      p[0] = static_cast<std::uint8_t>(x_ * 3 + stage * 50);
      p[1] = static_cast<std::uint8_t>(y * 5 + stage * 90);
      p[2] = ((x_ / 8 + y / 8 + static_cast<std::uint32_t>(stage)) % 2) ? 0xE0 : 0x20;
      p[3] = 0;
    }
  }
  // put_image requests are limited in size: send bands of rows.
  const std::uint32_t rows_per_band = 64;
  for (std::uint32_t y = 0; y < height; y += rows_per_band) {
    const std::uint32_t rows = std::min<std::uint32_t>(rows_per_band, height - y);
    xcb_put_image(x, XCB_IMAGE_FORMAT_Z_PIXMAP, window, gc, width, static_cast<std::uint16_t>(rows), 0,
                  static_cast<std::int16_t>(y), 0, screen->root_depth, rows * width * 4u,
                  &pixels[std::size_t{y} * width * 4]);
  }
  free(xcb_get_input_focus_reply(x, xcb_get_input_focus(x), nullptr));  // round trip: drawn
}

struct Frame {
  protocol::ValidatedFrame info;
  std::vector<std::uint8_t> pixels;
};

// Counts differing pixels in the rows the frame carries (RGB only: the agent's fourth byte is padding).
std::size_t differing_pixels(const Frame& frame, const Image& root) {
  if (frame.info.frame_width != root.width || frame.info.frame_height != root.height) return SIZE_MAX;
  std::size_t differ = 0;
  for (std::uint32_t y = 0; y < frame.info.data_height; ++y) {
    const std::uint8_t* a = &frame.pixels[std::size_t{y} * frame.info.pitch];
    const std::uint8_t* b = &root.bgrx[std::size_t{y} * root.width * 4];
    for (std::uint32_t x = 0; x < root.width; ++x) differ += std::memcmp(a + x * 4, b + x * 4, 3) != 0;
  }
  return differ;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2)
    return fail("usage: wine_frame_reader SHM_PATH [--changes N] [--timeout S] [--expect-capture NAME]");
  const std::string path = argv[1];
  int changes = 1, timeout_s = 30;
  std::string expect_capture;
  std::int16_t pointer_x = 321, pointer_y = 123;
  bool expect_truncated = false;
  Crop crop;
  std::string expect_output;
  std::optional<std::pair<int, int>> move_pointer;
  for (int i = 2; i < argc; i += 2) {
    const std::string arg = argv[i];
    if (arg == "--expect-truncated") {
      expect_truncated = true;
      --i;  // a flag: no value
      continue;
    }
    if (i + 1 >= argc) return fail("missing value for " + arg);
    if (arg == "--pointer") {
      const std::string value = argv[i + 1];
      pointer_x = static_cast<std::int16_t>(std::stoi(value));
      pointer_y = static_cast<std::int16_t>(std::stoi(value.substr(value.find(',') + 1)));
    } else if (arg == "--changes")
      changes = std::stoi(argv[i + 1]);
    else if (arg == "--timeout")
      timeout_s = std::stoi(argv[i + 1]);
    else if (arg == "--expect-capture")
      expect_capture = argv[i + 1];
    else if (arg == "--crop") {
      int cx = 0, cy = 0, cw = 0, ch = 0;
      if (std::sscanf(argv[i + 1], "%d,%d,%d,%d", &cx, &cy, &cw, &ch) != 4 || cw <= 0 || ch <= 0)
        return fail("--crop wants X,Y,W,H");
      crop = {static_cast<std::int16_t>(cx), static_cast<std::int16_t>(cy), static_cast<std::uint16_t>(cw),
              static_cast<std::uint16_t>(ch)};
    } else if (arg == "--move-pointer") {
      int mx = 0, my = 0;
      if (std::sscanf(argv[i + 1], "%d,%d", &mx, &my) != 2) return fail("--move-pointer wants X,Y");
      move_pointer = std::pair<int, int>(mx, my);
    } else if (arg == "--expect-output")
      expect_output = argv[i + 1];
    else
      return fail("unknown option " + arg);
  }

  xcb_connection_t* x = xcb_connect(nullptr, nullptr);
  if (xcb_connection_has_error(x)) return fail("cannot connect to the X server in DISPLAY");
  const xcb_screen_t* screen = xcb_setup_roots_iterator(xcb_get_setup(x)).data;
  if (screen->root_depth != 24) return fail("the test needs a 24-bit Xvfb screen");
  // An override-redirect window: placed exactly where asked, no window manager involved.
  const auto win_x = static_cast<std::int16_t>(crop.x + 40), win_y = static_cast<std::int16_t>(crop.y + 30);
  const std::uint16_t win_w = 240, win_h = 160;
  const xcb_window_t window = xcb_generate_id(x);
  const std::uint32_t values[] = {screen->black_pixel, 1};
  xcb_create_window(x, XCB_COPY_FROM_PARENT, window, screen->root, win_x, win_y, win_w, win_h, 0,
                    XCB_WINDOW_CLASS_INPUT_OUTPUT, screen->root_visual,
                    XCB_CW_BACK_PIXEL | XCB_CW_OVERRIDE_REDIRECT, values);
  xcb_map_window(x, window);
  const xcb_gcontext_t gc = xcb_generate_id(x);
  xcb_create_gc(x, gc, window, 0, nullptr);
  paint(x, screen, window, gc, win_w, win_h, 0);

  const int fd = open(path.c_str(), O_RDWR);
  struct stat st {};
  if (fd < 0 || fstat(fd, &st) != 0) return fail("cannot open " + path);
  void* map = mmap(nullptr, static_cast<std::size_t>(st.st_size), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED) return fail("cannot map " + path);
  std::span<std::byte> region(static_cast<std::byte*>(map), static_cast<std::size_t>(st.st_size));

  MonotonicClock clock;
  SystemRandom random;
  protocol::KvmfrSession session(region, clock, random);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  const auto timed_out = [&] { return std::chrono::steady_clock::now() > deadline; };

  for (session.poll(); !session.connected(); session.poll()) {
    if (timed_out()) return fail("never connected: " + session.status().message);
    usleep(10000);
  }
  const auto& guest = session.guest();
  std::printf("connected: agent '%s', os '%s', capture '%s'\n", guest.host_version.c_str(),
              guest.os ? guest.os->name.c_str() : "?", guest.vm ? guest.vm->capture.c_str() : "?");
  if (!guest.os || guest.os->os != static_cast<std::uint8_t>(protocol::KvmfrOs::windows)) {
    return fail("the OS record does not say Windows");
  }
  if (!expect_capture.empty() && (!guest.vm || guest.vm->capture != expect_capture)) {
    return fail("the VM record names capture '" + (guest.vm ? guest.vm->capture : std::string("?")) +
                "', expected '" + expect_capture + "'");
  }
  if (!expect_output.empty()) {
    std::istringstream fields(expect_output);
    protocol::OutputInfo want;
    fields >> want.name >> want.rect.x >> want.rect.y >> want.rect.width >> want.rect.height >> want.index >>
        want.count >> want.desktop.x >> want.desktop.y >> want.desktop.width >> want.desktop.height;
    if (!fields) return fail("--expect-output wants \"NAME X Y W H INDEX COUNT DX DY DW DH\"");
    if (!guest.output) return fail("the region carries no output record");
    const protocol::OutputInfo& got = *guest.output;
    std::printf("output record: %s %ux%u+%d+%d, %u of %u, desktop %ux%u+%d+%d\n", got.name.c_str(),
                got.rect.width, got.rect.height, got.rect.x, got.rect.y, got.index, got.count,
                got.desktop.width, got.desktop.height, got.desktop.x, got.desktop.y);
    if (!(got == want)) return fail("the output record is not the expected \"" + expect_output + "\"");
  }

  Image previous;  // the root image the last stage matched
  for (int stage = 0; stage <= changes; ++stage) {
    if (stage > 0) paint(x, screen, window, gc, win_w, win_h, stage);
    // Re-grabbed after each frame that differs: other clients (Wine's windows) may still be
    // drawing; a frame must equal the X server's image of the same moment.
    Image root = grab_root(x, screen, crop);
    if (root.bgrx.empty()) return fail("xcb_get_image of the root failed");
    std::vector<protocol::FrameDamageRect> damage;  // every rect since the last match
    bool whole = false;
    std::uint32_t rows = 0;  // the rows the matching frame carries
    std::size_t best = SIZE_MAX;
    for (;;) {
      if (timed_out()) {
        return fail("stage " + std::to_string(stage) +
                    ": no frame equal to the X root image; closest differs in " + std::to_string(best) +
                    " pixels");
      }
      session.poll();
      auto received = session.receive_frame();
      if (!received) return fail("a frame failed validation: " + received.error().message);
      if (!*received) {
        usleep(2000);
        continue;
      }
      Frame frame{**received, {}};
      if (!protocol::wait_frame_bytes(region, frame.info, frame.info.data_size, clock, 2000)) {
        session.frame_done();
        return fail("the agent stalled writing a frame");
      }
      const auto* pixels = reinterpret_cast<const std::uint8_t*>(region.data() + frame.info.pixels_offset);
      frame.pixels.assign(pixels, pixels + frame.info.data_size);
      session.frame_done();
      const bool truncated = (frame.info.flags & protocol::kFrameFlagTruncated) != 0 &&
                             frame.info.data_height < frame.info.frame_height;
      if (truncated != expect_truncated) {
        return fail("a frame " + std::string(truncated ? "is" : "is not") + " truncated (" +
                    std::to_string(frame.info.data_height) + " of " +
                    std::to_string(frame.info.frame_height) + " rows)");
      }
      if (frame.info.damage.empty()) whole = true;
      damage.insert(damage.end(), frame.info.damage.begin(), frame.info.damage.end());
      std::size_t differ = differing_pixels(frame, root);
      if (differ != 0) {
        root = grab_root(x, screen, crop);
        differ = differing_pixels(frame, root);
      }
      best = std::min(best, differ);
      rows = frame.info.data_height;
      if (differ == 0) break;
    }
    std::printf("stage %d: frame equals the X root image (%ux%u, %u rows sent)", stage, root.width,
                root.height, rows);
    if (stage > 0 && !whole) {
      // Every pixel that changed since the last stage (in the rows sent) must lie in a damage rect.
      std::size_t changed = 0, uncovered = 0;
      for (std::uint32_t y = 0; y < rows; ++y) {
        for (std::uint32_t x_ = 0; x_ < root.width; ++x_) {
          const std::size_t at = (std::size_t{y} * root.width + x_) * 4;
          if (std::memcmp(&root.bgrx[at], &previous.bgrx[at], 3) == 0) continue;
          ++changed;
          bool covered = false;
          for (const auto& r : damage) {
            covered |= x_ >= r.x && x_ < r.x + r.width && y >= r.y && y < r.y + r.height;
          }
          uncovered += !covered;
        }
      }
      std::printf(", %zu pixels changed, %zu damage rects, %zu changed pixels outside them", changed,
                  damage.size(), uncovered);
      if (changed == 0) return fail("the painted change did not change the screen");
      if (uncovered > 0) return fail("damage rects miss changed pixels");
    } else if (stage > 0) {
      std::printf(", whole-frame damage");
    }
    std::printf("\n");
    previous = root;
  }
  // The cursor: move the X pointer and expect the agent to report it (the shape's top-left:
  // pointer minus hotspot, with the hotspot of the last shape received, 0 if none).
  std::optional<protocol::CursorShape> shape;
  std::optional<std::pair<int, int>> position;  // the last position the agent sent
  xcb_warp_pointer(x, XCB_NONE, screen->root, 0, 0, 0, 0, pointer_x, pointer_y);
  free(xcb_get_input_focus_reply(x, xcb_get_input_focus(x), nullptr));
  for (;;) {
    session.poll();
    for (;;) {
      auto update = session.receive_cursor();
      if (!update) return fail("a cursor message failed validation: " + update.error().message);
      if (!*update) break;
      if ((*update)->shape) shape = (*update)->shape;
      if ((*update)->has_position) position = std::pair<int, int>((*update)->x, (*update)->y);
    }
    const int hx = shape ? shape->hotspot_x : 0, hy = shape ? shape->hotspot_y : 0;
    if (position && position->first == pointer_x - crop.x - hx &&
        position->second == pointer_y - crop.y - hy) {
      break;
    }
    if (timed_out()) {
      return fail(
          "no cursor message for the pointer at " + std::to_string(pointer_x) + "," +
          std::to_string(pointer_y) + "; last position " +
          (position ? std::to_string(position->first) + "," + std::to_string(position->second) : "none") +
          (shape ? ", a shape" : ", no shape"));
    }
    // Keep taking frames too: an agent whose frame queue is full waits for a free slot.
    if (auto frame = session.receive_frame(); frame.ok() && *frame) session.frame_done();
    usleep(2000);
  }
  std::printf("cursor: pointer at %d,%d reported as %d,%d", pointer_x, pointer_y, position->first,
              position->second);
  if (shape) {
    std::printf(", shape %ux%u type %u hotspot %d,%d", shape->width, shape->height,
                static_cast<unsigned>(shape->type), shape->hotspot_x, shape->hotspot_y);
  }
  std::printf("\n");
  if (move_pointer) {
    // The client message travels to the agent's timer thread, which calls SetCursorPos.
    const int want_x = crop.x + move_pointer->first, want_y = crop.y + move_pointer->second;
    if (!session.set_cursor_position(move_pointer->first, move_pointer->second))
      return fail("the agent does not take set-cursor-position messages");
    int at_x = -1, at_y = -1;
    while (at_x != want_x || at_y != want_y) {
      if (timed_out()) {
        return fail("--move-pointer " + std::to_string(move_pointer->first) + "," +
                    std::to_string(move_pointer->second) + ": the X pointer is at " + std::to_string(at_x) +
                    "," + std::to_string(at_y) + ", expected " + std::to_string(want_x) + "," +
                    std::to_string(want_y));
      }
      usleep(10000);
      session.poll();
      if (auto frame = session.receive_frame(); frame.ok() && *frame) session.frame_done();
      while (true) {
        auto update = session.receive_cursor();
        if (!update || !*update) break;
      }
      auto* reply = xcb_query_pointer_reply(x, xcb_query_pointer(x, screen->root), nullptr);
      if (reply != nullptr) {
        at_x = reply->root_x;
        at_y = reply->root_y;
        free(reply);
      }
    }
    std::printf("move-pointer: %d,%d of the frame put the X pointer at %d,%d\n", move_pointer->first,
                move_pointer->second, at_x, at_y);
  }
  xcb_disconnect(x);
  std::printf("PASS\n");  // the session unsubscribes on destruction: the mapping stays until exit
  return 0;
}
