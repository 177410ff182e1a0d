#include "marker_probe.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>

namespace kagami::bench {

MarkerProbe::MarkerProbe(const std::string& display) : c_(xcb_connect(display.c_str(), nullptr)) {
  root_ = xcb_setup_roots_iterator(xcb_get_setup(c_)).data->root;
}

MarkerProbe::~MarkerProbe() { xcb_disconnect(c_); }

std::optional<capture::LatencyMarker> MarkerProbe::read() {
  using namespace kagami::capture;
  auto* reply = xcb_get_image_reply(
      c_, xcb_get_image(c_, XCB_IMAGE_FORMAT_Z_PIXMAP, root_, 0, 0, kMarkerWidth, kMarkerHeight, ~0u), nullptr);
  if (!reply) return std::nullopt;
  std::optional<LatencyMarker> marker;
  // Depth 24 on Xvfb: 4 bytes per pixel (B, G, R, X).
  if (xcb_get_image_data_length(reply) >= static_cast<int>(kMarkerWidth * kMarkerHeight * 4)) {
    marker = decode_latency_marker(reinterpret_cast<const std::byte*>(xcb_get_image_data(reply)), kMarkerWidth * 4,
                                   4, kMarkerWidth, kMarkerHeight, 0, 0);
  }
  std::free(reply);
  return marker;
}

std::vector<std::uint8_t> MarkerProbe::grab_rgb(std::uint32_t& width, std::uint32_t& height) {
  const xcb_screen_t* screen = xcb_setup_roots_iterator(xcb_get_setup(c_)).data;
  width = screen->width_in_pixels;
  height = screen->height_in_pixels;
  auto* reply = xcb_get_image_reply(
      c_, xcb_get_image(c_, XCB_IMAGE_FORMAT_Z_PIXMAP, root_, 0, 0, static_cast<std::uint16_t>(width),
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
