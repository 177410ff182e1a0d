#include "marker_probe.h"

#include <sys/ipc.h>
#include <sys/shm.h>
#include <unistd.h>
#include <xcb/shm.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

namespace kagami::bench {

MarkerProbe::MarkerProbe(const std::string& display) : c_(xcb_connect(display.c_str(), nullptr)) {
  root_ = xcb_setup_roots_iterator(xcb_get_setup(c_)).data->root;
}

MarkerProbe::~MarkerProbe() { xcb_disconnect(c_); }

std::optional<capture::LatencyMarker> MarkerProbe::read(std::int16_t x, std::int16_t y) {
  using namespace kagami::capture;
  auto* reply = xcb_get_image_reply(
      c_, xcb_get_image(c_, XCB_IMAGE_FORMAT_Z_PIXMAP, root_, x, y, kMarkerWidth, kMarkerHeight, ~0u),
      nullptr);
  if (!reply) return std::nullopt;
  std::optional<LatencyMarker> marker;
  // Depth 24 on Xvfb: 4 bytes per pixel (B, G, R, X).
  if (xcb_get_image_data_length(reply) >= static_cast<int>(kMarkerWidth * kMarkerHeight * 4)) {
    marker = decode_latency_marker(reinterpret_cast<const std::byte*>(xcb_get_image_data(reply)),
                                   kMarkerWidth * 4, 4, kMarkerWidth, kMarkerHeight, 0, 0);
  }
  std::free(reply);
  return marker;
}

double MarkerProbe::x_server_copy_ms(std::uint32_t width, std::uint32_t height, int idle_ms, int runs) {
  auto* version = xcb_shm_query_version_reply(c_, xcb_shm_query_version(c_), nullptr);
  if (!version) return 0;
  std::free(version);
  const std::size_t bytes = std::size_t{width} * height * 4;
  const int id = shmget(IPC_PRIVATE, bytes, IPC_CREAT | 0600);
  if (id < 0) return 0;
  void* memory = shmat(id, nullptr, 0);
  shmctl(id, IPC_RMID, nullptr);  // freed once both sides detached
  if (memory == reinterpret_cast<void*>(-1)) return 0;
  std::memset(memory, 0x5a, bytes);
  const xcb_screen_t* screen = xcb_setup_roots_iterator(xcb_get_setup(c_)).data;
  const xcb_shm_seg_t segment = xcb_generate_id(c_);
  xcb_shm_attach(c_, segment, static_cast<std::uint32_t>(id), 1);
  const xcb_pixmap_t pixmap = xcb_generate_id(c_);
  xcb_create_pixmap(c_, screen->root_depth, pixmap, root_, static_cast<std::uint16_t>(width),
                    static_cast<std::uint16_t>(height));
  const xcb_gcontext_t gc = xcb_generate_id(c_);
  xcb_create_gc(c_, gc, pixmap, 0, nullptr);
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(idle_ms));
    const auto start = std::chrono::steady_clock::now();
    const auto w = static_cast<std::uint16_t>(width), h = static_cast<std::uint16_t>(height);
    xcb_shm_put_image(c_, pixmap, gc, w, h, 0, 0, w, h, 0, 0, screen->root_depth, XCB_IMAGE_FORMAT_Z_PIXMAP,
                      0, segment, 0);
    std::free(xcb_get_input_focus_reply(c_, xcb_get_input_focus(c_), nullptr));  // waits for the copy
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  xcb_free_gc(c_, gc);
  xcb_free_pixmap(c_, pixmap);
  xcb_shm_detach(c_, segment);
  std::free(xcb_get_input_focus_reply(c_, xcb_get_input_focus(c_), nullptr));
  shmdt(memory);
  return percentile(ms, 0.5);
}

std::vector<std::uint8_t> MarkerProbe::grab_rgb(std::uint32_t& width, std::uint32_t& height) {
  const xcb_screen_t* screen = xcb_setup_roots_iterator(xcb_get_setup(c_)).data;
  width = screen->width_in_pixels;
  height = screen->height_in_pixels;
  auto* reply = xcb_get_image_reply(
      c_,
      xcb_get_image(c_, XCB_IMAGE_FORMAT_Z_PIXMAP, root_, 0, 0, static_cast<std::uint16_t>(width),
                    static_cast<std::uint16_t>(height), ~0u),
      nullptr);
  std::vector<std::uint8_t> rgb;
  if (!reply) return rgb;
  if (xcb_get_image_data_length(reply) >= static_cast<int>(width * height * 4)) {
    const std::uint8_t* bgrx = xcb_get_image_data(reply);
    rgb.resize(std::size_t{width} * height * 3);
    for (std::size_t i = 0; i < std::size_t{width} * height; ++i) {
      rgb[i * 3 + 0] = bgrx[i * 4 + 2];
      rgb[i * 3 + 1] = bgrx[i * 4 + 1];
      rgb[i * 3 + 2] = bgrx[i * 4 + 0];
    }
  }
  std::free(reply);
  return rgb;
}

double memcpy_ms(std::size_t bytes, int idle_ms) {
  std::vector<std::byte> from(bytes, std::byte{0x5a}), to(bytes);
  std::memcpy(to.data(), from.data(), bytes);  // both touched: no page faults in the timing
  std::vector<double> ms;
  for (int i = 0; i < 10; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(idle_ms));
    const auto start = std::chrono::steady_clock::now();
    std::memcpy(to.data(), from.data(), bytes);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  return percentile(ms, 0.5);
}

double cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  const auto close = text.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(text.substr(close + 2));
  std::string f;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> f; ++i) {
    if (i == 14) utime = std::stoull(f);
    if (i == 15) stime = std::stoull(f);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double percentile(std::vector<double> samples, double p) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  return samples[std::min(samples.size() - 1,
                          static_cast<std::size_t>(p * static_cast<double>(samples.size() - 1) + 0.5))];
}

}  // namespace kagami::bench
