// The fb backend against a framebuffer-shaped file with a given geometry (no device here:
// the real /dev/fb0 run is in the VM test).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "capture/fb/fb_backend.h"

namespace kagami::capture {
namespace {

class FbFile {
 public:
  explicit FbFile(std::size_t size) {
    char name[] = "/tmp/kagami-fb-test-XXXXXX";
    fd_ = ::mkstemp(name);
    path_ = name;
    bytes_.assign(size, 0);
    flush();
  }
  ~FbFile() {
    ::close(fd_);
    ::unlink(path_.c_str());
  }
  std::vector<std::uint8_t>& bytes() { return bytes_; }
  void flush() {
    ASSERT_EQ(::pwrite(fd_, bytes_.data(), bytes_.size(), 0), static_cast<ssize_t>(bytes_.size()));
  }
  const std::string& path() const { return path_; }

 private:
  int fd_ = -1;
  std::string path_;
  std::vector<std::uint8_t> bytes_;
};

FbConfig config_for(const FbFile& file, FbGeometry g) {
  FbConfig c;
  c.path = file.path();
  c.geometry = g;
  c.poll_interval = std::chrono::milliseconds(1);
  return c;
}

TEST(FbBackend, Rgb565FileWithPaddingAndPanning) {
  // 64x48 visible, 80 pixels per line (padding), panned down by 10 rows.
  FbGeometry g;
  g.width = 64;
  g.height = 48;
  g.y_offset = 10;
  g.line_length = 80 * 2;
  g.channels = {16, 11, 5, 5, 6, 0, 5};
  FbFile file(std::size_t{g.line_length} * 100);
  for (std::uint32_t y = 0; y < 100; ++y) {
    for (std::uint32_t x = 0; x < 80; ++x) {
      const std::uint16_t v = static_cast<std::uint16_t>(((y & 31) << 11) | ((x & 63) << 5) | ((x + y) & 31));
      std::memcpy(&file.bytes()[y * g.line_length + x * 2], &v, 2);
    }
  }
  file.flush();
  FbBackend backend(config_for(file, g));
  ASSERT_TRUE(backend.start());
  CaptureEvent event;
  ASSERT_EQ(backend.capture(std::chrono::milliseconds(100), &event), CaptureStatus::ok);
  ASSERT_TRUE(event.frame);
  EXPECT_TRUE(event.full_damage);
  EXPECT_EQ(event.format.type, protocol::FrameType::bgra);
  EXPECT_EQ(event.format.width, 64u);
  EXPECT_EQ(event.format.height, 48u);
  std::vector<std::byte> out(64 * 48 * 4);
  ASSERT_EQ(backend.read_pixels(FrameTarget{out, 64 * 4, -1, 0, {}}, {}), CaptureStatus::ok);
  for (std::uint32_t y = 0; y < 48; ++y) {
    for (std::uint32_t x = 0; x < 64; ++x) {
      const std::uint32_t sy = y + 10;
      const std::uint32_t r5 = sy & 31, g6 = x & 63, b5 = (x + sy) & 31;
      const auto* p = reinterpret_cast<const std::uint8_t*>(&out[(y * 64 + x) * 4]);
      ASSERT_EQ(p[0], (b5 << 3) | (b5 >> 2)) << x << "," << y;
      ASSERT_EQ(p[1], (g6 << 2) | (g6 >> 4));
      ASSERT_EQ(p[2], (r5 << 3) | (r5 >> 2));
      ASSERT_EQ(p[3], 255);
    }
  }
}

TEST(FbBackend, XrgbChangesAreReportedAsDamage) {
  FbGeometry g;
  g.width = 200;
  g.height = 100;
  g.line_length = 200 * 4;
  g.channels = {32, 16, 8, 8, 8, 0, 8};
  FbFile file(std::size_t{g.line_length} * g.height);
  FbBackend backend(config_for(file, g));
  ASSERT_TRUE(backend.start());
  CaptureEvent event;
  ASSERT_EQ(backend.capture(std::chrono::milliseconds(100), &event), CaptureStatus::ok);
  EXPECT_TRUE(event.full_damage);
  std::vector<std::byte> out(200 * 100 * 4);
  ASSERT_EQ(backend.read_pixels(FrameTarget{out, 200 * 4, -1, 0, {}}, {}), CaptureStatus::ok);

  // A static screen: no frame.
  EXPECT_EQ(backend.capture(std::chrono::milliseconds(20), &event), CaptureStatus::timeout);

  // Paint a 10x5 block at (150, 60).
  for (std::uint32_t y = 60; y < 65; ++y) {
    for (std::uint32_t x = 150; x < 160; ++x) {
      std::uint8_t* p = &file.bytes()[y * g.line_length + x * 4];
      p[0] = 1;  // B
      p[1] = 2;  // G
      p[2] = 3;  // R
    }
  }
  file.flush();
  ASSERT_EQ(backend.capture(std::chrono::milliseconds(100), &event), CaptureStatus::ok);
  ASSERT_TRUE(event.frame);
  ASSERT_FALSE(event.full_damage);
  std::uint64_t damaged = 0;
  for (const Rect& r : event.damage) {
    damaged += std::uint64_t{r.width} * r.height;
    EXPECT_LE(r.x, 150u);
    EXPECT_GE(r.x + r.width, 160u);
  }
  EXPECT_GE(damaged, 50u);
  // Rows 60-64 touch the 16-row bands 48-63 and 64-79; columns are exact.
  EXPECT_LE(damaged, 10u * 32);
  ASSERT_EQ(backend.read_pixels(FrameTarget{out, 200 * 4, -1, 0, {}}, event.damage), CaptureStatus::ok);
  const auto* p = reinterpret_cast<const std::uint8_t*>(&out[(62 * 200 + 155) * 4]);
  EXPECT_EQ(p[0], 1);
  EXPECT_EQ(p[1], 2);
  EXPECT_EQ(p[2], 3);
  EXPECT_EQ(static_cast<std::uint8_t>(out[(62 * 200 + 149) * 4]), 0);
}

TEST(FbBackend, UnsupportedFormatSaysWhat) {
  FbGeometry g;
  g.width = 16;
  g.height = 16;
  g.line_length = 16;
  g.channels = {8, 0, 8, 0, 8, 0, 8};
  FbFile file(256);
  FbBackend backend(config_for(file, g));
  const auto r = backend.start();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("unsupported pixel format"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("8 bpp"), std::string::npos);
}

TEST(FbBackend, MissingDeviceSaysWhat) {
  FbConfig c;
  c.path = "/nonexistent/fb9";
  FbBackend backend(c);
  const auto r = backend.start();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("/nonexistent/fb9"), std::string::npos);
}

TEST(FbBackend, ShortFileIsAnError) {
  FbGeometry g;
  g.width = 100;
  g.height = 100;
  g.line_length = 400;
  g.channels = {32, 16, 8, 8, 8, 0, 8};
  FbFile file(1000);
  FbBackend backend(config_for(file, g));
  ASSERT_TRUE(backend.start());
  CaptureEvent event;
  EXPECT_EQ(backend.capture(std::chrono::milliseconds(50), &event), CaptureStatus::error);
  EXPECT_NE(backend.last_error().find("short read"), std::string::npos);
}

}  // namespace
}  // namespace kagami::capture
