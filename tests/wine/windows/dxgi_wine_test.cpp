// dxgi_wine_test.exe (ctest wine.dxgi, under Wine): the real dxgi backend — adapter and output
// enumeration, the D3D11 device, AcquireNextFrame, the staging copy and map, rects, pointer
// shapes, ACCESS_LOST recovery — wrapped as kagami-agent.exe wraps it (on_input_desktop), in the
// real agent loop, publishing into a region that the protocol layer's viewer (KvmfrSession)
// reads. Only the IDXGIOutputDuplication comes from the test (FakeDesktop), because Wine's
// DuplicateOutput is E_NOTIMPL; its desktop image is a real D3D11 texture (wined3d, llvmpipe).
// Every case runs in one process, one agent run and so one Wine prefix. Exit 0 when all pass.
// `dxgi_wine_test.exe --second-output` (ctest wine.multimon, on a desktop of two monitors): the
// backend with --output 1 duplicates the second output, the region carries its output record,
// and the client's pointer position lands on that output.
#include <spdlog/spdlog.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <thread>

#include "agent/agent.h"
#include "agent/windows/guest_info.h"
#include "agent/windows/windows_capture.h"
#include "tests/wine/windows/fake_desktop.h"
#include "tests/wine/windows/input_desktop_case.h"
#include "tests/wine/windows/viewer.h"

namespace {

using namespace kagami;
using namespace kagami::wine_test;
using capture::dxgi::ComPtr;
using std::chrono::milliseconds;

constexpr milliseconds kWait{10000};

// Every pixel that differs between `before` and `after` lies in a damage rect (or the damage
// was whole-frame), and each rect in `expected` is covered by the damage.
void check_damage(const ReceivedFrame& frame, const std::vector<std::uint8_t>& before,
                  const std::vector<std::uint8_t>& after, std::uint32_t width, std::uint32_t bpp,
                  const std::vector<RECT>& expected) {
  check(!frame.whole, "whole-frame damage where the rects were known");
  const auto covered = [&](std::uint32_t x, std::uint32_t y) {
    for (const auto& r : frame.damage)
      if (x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height) return true;
    return false;
  };
  const std::size_t row = std::size_t{width} * bpp;
  std::size_t changed = 0;
  for (std::size_t y = 0; y < after.size() / row; ++y)
    for (std::uint32_t x = 0; x < width; ++x)
      if (std::memcmp(&before[y * row + x * bpp], &after[y * row + x * bpp], bpp) != 0) {
        ++changed;
        check(covered(x, static_cast<std::uint32_t>(y)),
              "changed pixel " + std::to_string(x) + "," + std::to_string(y) + " outside the damage");
      }
  check(changed > 0, "the update changed nothing");
  for (const RECT& r : expected)
    for (LONG y = r.top; y < r.bottom; ++y)
      for (LONG x = r.left; x < r.right; ++x)
        check(covered(static_cast<std::uint32_t>(x), static_cast<std::uint32_t>(y)),
              "a reported rect is not in the frame's damage");
  std::printf("    %zu pixels changed, %zu damage rects over %u frames, all covered\n", changed,
              frame.damage.size(), frame.frames);
}

struct Expect {
  protocol::FrameType type;
  std::uint32_t flags;  // HDR / HDR_PQ
  protocol::FrameRotation rotation = protocol::FrameRotation::r0;
};

// The current desktop image arrives pixel-exact with the expected type, flags and rotation.
ReceivedFrame expect_image(Viewer& viewer, const FakeDesktop& desktop, const Expect& e) {
  // The image is what the screen shows once the capture thread has acquired (drawn) every update.
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (!desktop.drained()) {
    check(std::chrono::steady_clock::now() < deadline, "the backend stopped acquiring frames");
    std::this_thread::sleep_for(milliseconds(1));
  }
  const Mode mode = desktop.mode();
  const UINT bpp = bytes_per_pixel(mode.format);
  ReceivedFrame frame = viewer.frame_equal_to(desktop.image(), mode.width, bpp, kWait);
  const std::uint32_t hdr_flags = protocol::kFrameFlagHdr | protocol::kFrameFlagHdrPq;
  check(frame.info.type == e.type, "frame type " + std::to_string(static_cast<int>(frame.info.type)) +
                                       ", expected " + std::to_string(static_cast<int>(e.type)));
  check(
      (frame.info.flags & hdr_flags) == e.flags,
      "HDR flags " + std::to_string(frame.info.flags & hdr_flags) + ", expected " + std::to_string(e.flags));
  check(frame.info.rotation == e.rotation,
        "rotation " + std::to_string(static_cast<int>(frame.info.rotation)));
  check(frame.info.frame_height == mode.height && frame.info.pitch == mode.width * bpp, "geometry");
  std::printf("    %ux%u %s, flags 0x%x, rotation %d: pixel-exact\n", mode.width, mode.height,
              protocol::frame_type_name(frame.info.type), frame.info.flags,
              static_cast<int>(frame.info.rotation));
  return frame;
}

// The client moves the pointer to (x, y) of its output: the agent's SetCursorPos (from its timer
// thread) must put it at `desktop` (the output's origin added), seen with GetCursorPos while the
// viewer keeps taking frames.
void expect_pointer_moved(Viewer& viewer, std::int32_t x, std::int32_t y, POINT desktop) {
  check(viewer.session().set_cursor_position(x, y).ok(), "set_cursor_position");
  const std::string want = std::to_string(desktop.x) + "," + std::to_string(desktop.y);
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  POINT at{};
  while (GetCursorPos(&at) && !(at.x == desktop.x && at.y == desktop.y)) {
    check(std::chrono::steady_clock::now() < deadline,
          "the pointer is at " + std::to_string(at.x) + "," + std::to_string(at.y) + ", not " + want);
    viewer.frames_during(milliseconds(10));
  }
  std::printf("    GetCursorPos: %s\n", want.c_str());
}

// A new mode through ACCESS_LOST: the backend must drop the duplication and build a new one.
void change_mode(FakeDesktop& desktop, const Mode& mode) {
  desktop.set_mode(mode);
  Update lost;
  lost.lose_access = true;
  desktop.push(lost);
}

PointerShape monochrome_shape() {  // 20 px wide: 3 bytes per row, DXGI pads to 4
  PointerShape s{DXGI_OUTDUPL_POINTER_SHAPE_TYPE_MONOCHROME, 20, 2 * 18, 4, {3, 2}, {}};
  s.data.resize(std::size_t{s.pitch} * s.height);
  for (std::size_t i = 0; i < s.data.size(); ++i) s.data[i] = static_cast<std::uint8_t>(i * 37 + 11);
  return s;
}
PointerShape color_shape(UINT type, UINT size, POINT hotspot) {  // rows padded by 16 bytes
  PointerShape s{type, size, size, size * 4 + 16, hotspot, {}};
  s.data.resize(std::size_t{s.pitch} * s.height);
  for (std::size_t i = 0; i < s.data.size(); ++i) s.data[i] = static_cast<std::uint8_t>(i * 13 + type);
  return s;
}

// The shape the viewer must receive: KVMFR type, tight rows.
void check_shape(const protocol::CursorShape& got, const PointerShape& sent, protocol::CursorType type) {
  const std::uint32_t row =
      sent.type == DXGI_OUTDUPL_POINTER_SHAPE_TYPE_MONOCHROME ? (sent.width + 7) / 8 : sent.width * 4;
  check(got.type == type, "cursor type " + std::to_string(static_cast<int>(got.type)));
  check(got.width == sent.width && got.height == sent.height && got.pitch == row, "cursor geometry");
  check(got.hotspot_x == sent.hotspot.x && got.hotspot_y == sent.hotspot.y, "cursor hotspot");
  for (std::uint32_t y = 0; y < sent.height; ++y)
    check(std::memcmp(&got.data[std::size_t{y} * row], &sent.data[std::size_t{y} * sent.pitch], row) == 0,
          "cursor row " + std::to_string(y) + " differs");
}

// The checker checks: misuse the duplication on purpose and expect FakeDesktop to say so, so that
// "no violations" after the agent run means something.
void check_the_checker() {
  ComPtr<ID3D11Device> device;
  check(SUCCEEDED(D3D11CreateDevice(nullptr, D3D_DRIVER_TYPE_HARDWARE, nullptr, 0, nullptr, 0,
                                    D3D11_SDK_VERSION, device.put(), nullptr, nullptr)),
        "D3D11CreateDevice");
  FakeDesktop desktop(make_mode(64, 32, DXGI_FORMAT_B8G8R8A8_UNORM, 1));
  capture::dxgi::Duplication dup;
  check(SUCCEEDED(desktop.factory()({nullptr, nullptr, device.get(), true}, &dup)), "the factory");
  DXGI_OUTDUPL_FRAME_INFO info{};
  ComPtr<IDXGIResource> resource;
  check(dup.duplication->AcquireNextFrame(0, &info, resource.put()) == S_OK, "the first acquire");
  check(dup.duplication->AcquireNextFrame(0, &info, resource.put()) == DXGI_ERROR_INVALID_CALL,
        "acquire twice");
  DXGI_MAPPED_RECT mapped{};
  check(dup.duplication->MapDesktopSurface(&mapped) == DXGI_ERROR_UNSUPPORTED, "map in video memory");
  check(dup.duplication->ReleaseFrame() == S_OK, "release");
  check(dup.duplication->ReleaseFrame() == DXGI_ERROR_INVALID_CALL, "release twice");
  const auto violations = desktop.violations();
  check(violations.size() == 3, "FakeDesktop saw " + std::to_string(violations.size()) + " of 3 misuses");
  std::printf("    acquire twice, map in video memory, release twice: all three reported\n");
}

int run() {
  std::printf("--- the call-order checker reports misuse\n");
  check_the_checker();

  // The region: one 32 MiB mapping, as the agent gets one from the file or the IVSHMEM device.
  const std::size_t size = 32u << 20;
  auto* memory =
      static_cast<std::byte*>(VirtualAlloc(nullptr, size, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE));
  check(memory != nullptr, "VirtualAlloc");
  const std::span<std::byte> region(memory, size);

  FakeDesktop desktop(make_mode(320, 200, DXGI_FORMAT_B8G8R8A8_UNORM, 1));
  auto backend = agent::on_input_desktop(capture::dxgi::make_dxgi_capture({}, desktop.factory()));
  std::atomic<bool> stop{false};
  std::string agent_error;
  agent::AgentStats stats;
  // The agent thread: start() and the loop on it, as kagami-agent.exe's main thread does.
  std::thread agent_thread([&] {
    if (auto r = backend->start(); !r) {
      agent_error = r.error().message;
      spdlog::error("{}", agent_error);
      return;
    }
    agent::Agent loop(agent::AgentRegion{region, -1}, *backend,
                      agent::windows_guest_info("kagami test", "dxgi"));
    if (auto r = loop.run(stop); !r) agent_error = r.error().message;
    stats = loop.stats();
  });
  struct Join {
    std::atomic<bool>& stop;
    std::thread& thread;
    ~Join() {
      stop = true;
      if (thread.joinable()) thread.join();
    }
  } join{stop, agent_thread};

  Viewer viewer(region);
  std::printf("--- the viewer joins the agent's session\n");
  viewer.connect(kWait);
  check(viewer.session().guest().vm && viewer.session().guest().vm->capture == "dxgi",
        "the VM record's capture");

  std::printf("--- B8G8R8A8: the first frame, whole\n");
  auto previous = expect_image(viewer, desktop, {protocol::FrameType::bgra, 0}).pixels;

  std::printf("--- dirty rects: pixel-exact, damage covers them\n");
  {
    Update u;
    u.dirty = {{10, 10, 60, 40}, {200, 100, 260, 180}};
    u.seed = 2;
    desktop.push(u);
    auto frame = expect_image(viewer, desktop, {protocol::FrameType::bgra, 0});
    check_damage(frame, previous, frame.pixels, 320, 4, u.dirty);
    previous = frame.pixels;
  }

  std::printf("--- a move then a dirty rect over its destination, metadata size too small (MORE_DATA)\n");
  {
    const auto more_data = desktop.counters().more_data;
    Update u;
    u.moves = {{{0, 0}, {100, 50, 180, 110}}};  // a window dragged from the corner
    // Its old place, a redraw over the new one, and two more: more rects than the backend's
    // buffers hold from earlier frames, so the short size hint leads to MORE_DATA.
    u.dirty = {{0, 0, 80, 60}, {150, 90, 220, 130}, {300, 0, 320, 10}, {0, 190, 10, 200}};
    u.seed = 3;
    u.short_metadata = true;
    desktop.push(u);
    auto frame = expect_image(viewer, desktop, {protocol::FrameType::bgra, 0});
    check_damage(frame, previous, frame.pixels, 320, 4,
                 {u.moves[0].DestinationRect, u.dirty[0], u.dirty[1], u.dirty[2], u.dirty[3]});
    check(desktop.counters().more_data > more_data, "the backend never met DXGI_ERROR_MORE_DATA");
    previous = frame.pixels;
  }

  std::printf("--- pointer shapes (monochrome, color, masked color) and positions\n");
  {
    const struct {
      PointerShape shape;
      protocol::CursorType type;
      POINT at;
    } shapes[] = {
        {monochrome_shape(), protocol::CursorType::monochrome, {40, 30}},
        {color_shape(DXGI_OUTDUPL_POINTER_SHAPE_TYPE_COLOR, 24, {5, 7}),
         protocol::CursorType::color,
         {250, 20}},
        {color_shape(DXGI_OUTDUPL_POINTER_SHAPE_TYPE_MASKED_COLOR, 16, {0, 15}),
         protocol::CursorType::masked_color,
         {300, 190}},
    };
    for (const auto& s : shapes) {
      Update u;
      u.pointer = s.at;
      u.shape = s.shape;
      desktop.push(u);
      const auto got =
          viewer.cursor_where([](const protocol::CursorUpdate& c) { return c.shape.has_value(); }, kWait);
      check_shape(*got.shape, s.shape, s.type);
      check(got.has_position && got.x == s.at.x && got.y == s.at.y && got.visible, "cursor position");
      std::printf("    type %d %ux%u at %d,%d hotspot %d,%d\n", static_cast<int>(got.shape->type),
                  got.shape->width, got.shape->height, got.x, got.y, got.shape->hotspot_x,
                  got.shape->hotspot_y);
    }
    Update move;  // a move alone: position, no shape
    move.pointer = POINT{123, 45};
    desktop.push(move);
    auto got = viewer.cursor_where(
        [](const protocol::CursorUpdate& c) { return c.has_position && c.x == 123; }, kWait);
    check(got.y == 45 && got.visible && !got.shape, "a pointer move");
    Update hide;
    hide.pointer = POINT{123, 45};
    hide.pointer_visible = false;
    desktop.push(hide);
    got = viewer.cursor_where([](const protocol::CursorUpdate& c) { return !c.visible; }, kWait);
    std::printf("    moved to 123,45 without a shape; then hidden\n");
  }

  std::printf("--- an idle desktop: AcquireNextFrame waits, no frames, no spinning\n");
  {
    while (!desktop.drained()) std::this_thread::sleep_for(milliseconds(5));
    const Counters before = desktop.counters();
    FILETIME created, exited, kernel0, user0, kernel1, user1;
    GetProcessTimes(GetCurrentProcess(), &created, &exited, &kernel0, &user0);
    const std::uint32_t frames = viewer.frames_during(milliseconds(1000));
    GetProcessTimes(GetCurrentProcess(), &created, &exited, &kernel1, &user1);
    const Counters after = desktop.counters();
    const auto ticks = [](FILETIME t) { return (std::uint64_t{t.dwHighDateTime} << 32) | t.dwLowDateTime; };
    const double cpu_ms =
        static_cast<double>(ticks(kernel1) - ticks(kernel0) + ticks(user1) - ticks(user0)) / 10000.0;
    const auto acquires = after.acquires - before.acquires;
    std::printf(
        "    1 s idle: %llu acquires (%llu timed out), %u frames; process CPU %.0f ms (viewer polling "
        "included)\n",
        static_cast<unsigned long long>(acquires),
        static_cast<unsigned long long>(after.timeouts - before.timeouts), frames, cpu_ms);
    check(frames == 0, "frames were published while nothing changed");
    // The loop waits 100 ms per acquire: about 10 in a second. Spinning would be thousands.
    check(acquires >= 3 && acquires <= 20, "acquires while idle: " + std::to_string(acquires));
    for (std::size_t i = before.timeouts_asked.size(); i < after.timeouts_asked.size(); ++i)
      check(after.timeouts_asked[i] >= 50,
            "an idle AcquireNextFrame with a " + std::to_string(after.timeouts_asked[i]) + " ms timeout");
  }

  std::printf(
      "--- ACCESS_LOST in the same mode, the screen redrawn meanwhile, the first frame claims one small "
      "rect\n");
  {
    Mode same = make_mode(320, 200, DXGI_FORMAT_B8G8R8A8_UNORM, 5);
    same.first_dirty = RECT{0, 0, 8, 8};
    change_mode(desktop, same);
    expect_image(viewer, desktop, {protocol::FrameType::bgra, 0});
  }

  std::printf("--- ACCESS_LOST, then R10G10B10A2 in HDR10 (PQ)\n");
  change_mode(desktop, make_mode(320, 200, DXGI_FORMAT_R10G10B10A2_UNORM, 6,
                                 DXGI_COLOR_SPACE_RGB_FULL_G2084_NONE_P2020));
  expect_image(viewer, desktop,
               {protocol::FrameType::rgba10, protocol::kFrameFlagHdr | protocol::kFrameFlagHdrPq});
  check(desktop.counters().duplications == 3, "ACCESS_LOST did not make a new duplication");

  std::printf("--- ACCESS_LOST, then R10G10B10A2 in SDR\n");
  change_mode(desktop, make_mode(320, 200, DXGI_FORMAT_R10G10B10A2_UNORM, 7));
  expect_image(viewer, desktop, {protocol::FrameType::rgba10, 0});

  std::printf("--- ACCESS_LOST, then R16G16B16A16_FLOAT (scRGB), a dirty update at 8 bytes per pixel\n");
  change_mode(desktop, make_mode(256, 160, DXGI_FORMAT_R16G16B16A16_FLOAT, 8,
                                 DXGI_COLOR_SPACE_RGB_FULL_G10_NONE_P709));
  previous = expect_image(viewer, desktop, {protocol::FrameType::rgba16f, protocol::kFrameFlagHdr}).pixels;
  {
    Update u;
    u.moves = {{{10, 10}, {60, 70, 110, 100}}};
    u.dirty = {{200, 0, 256, 16}};
    u.seed = 9;
    desktop.push(u);
    auto frame = expect_image(viewer, desktop, {protocol::FrameType::rgba16f, protocol::kFrameFlagHdr});
    check_damage(frame, previous, frame.pixels, 256, 8, {u.moves[0].DestinationRect, u.dirty[0]});
  }

  std::printf("--- rotated outputs: the unrotated surface with the KVMFR rotation\n");
  const struct {
    DXGI_MODE_ROTATION dxgi;
    protocol::FrameRotation kvmfr;
  } rotations[] = {{DXGI_MODE_ROTATION_ROTATE90, protocol::FrameRotation::r90},
                   {DXGI_MODE_ROTATION_ROTATE270, protocol::FrameRotation::r270}};  // back to r0 next
  std::uint32_t seed = 20;
  for (const auto& r : rotations) {
    change_mode(desktop, make_mode(200, 120, DXGI_FORMAT_B8G8R8A8_UNORM, seed++,
                                   DXGI_COLOR_SPACE_RGB_FULL_G22_NONE_P709, r.dxgi));
    expect_image(viewer, desktop, {protocol::FrameType::bgra, 0, r.kvmfr});
  }

  std::printf("--- DesktopImageInSystemMemory: MapDesktopSurface (the texture stays black)\n");
  change_mode(desktop, make_mode(320, 200, DXGI_FORMAT_B8G8R8A8_UNORM, 30,
                                 DXGI_COLOR_SPACE_RGB_FULL_G22_NONE_P709, DXGI_MODE_ROTATION_IDENTITY, true));
  previous = expect_image(viewer, desktop, {protocol::FrameType::bgra, 0}).pixels;
  {
    Update u;
    u.moves = {{{200, 100}, {20, 20, 120, 80}}};
    u.dirty = {{300, 180, 320, 200}};
    u.seed = 31;
    desktop.push(u);
    auto frame = expect_image(viewer, desktop, {protocol::FrameType::bgra, 0});
    check_damage(frame, previous, frame.pixels, 320, 4, {u.moves[0].DestinationRect, u.dirty[0]});
    check(desktop.counters().maps >= 2, "MapDesktopSurface was not used");
  }

  std::printf("--- the client moves the pointer: SetCursorPos from the agent's timer thread\n");
  { expect_pointer_moved(viewer, 77, 66, {77, 66}); }

  stop = true;
  agent_thread.join();
  check(agent_error.empty(), "the agent failed: " + agent_error);
  const Counters c = desktop.counters();
  std::printf(
      "--- agent: %llu frames published of %llu captured; desktop: %llu duplications, %llu acquires, "
      "%llu frames, %llu MORE_DATA, %llu maps\n",
      static_cast<unsigned long long>(stats.frames), static_cast<unsigned long long>(stats.captured),
      static_cast<unsigned long long>(c.duplications), static_cast<unsigned long long>(c.acquires),
      static_cast<unsigned long long>(c.frames), static_cast<unsigned long long>(c.more_data),
      static_cast<unsigned long long>(c.maps));
  const auto violations = desktop.violations();
  for (const auto& v : violations) std::printf("    call-order violation: %s\n", v.c_str());
  check(violations.empty(), "the backend broke the documented call order");

  std::printf("--- the input desktop: set_cursor_position follows it on the calling thread\n");
  check_input_desktop_per_call();
  return 0;
}

// wine.multimon's desktop: \\.\DISPLAY1 1000x600 at 0,0, \\.\DISPLAY2 600x400 at 1000,0.
int run_second_output() {
  const std::size_t size = 32u << 20;
  auto* memory =
      static_cast<std::byte*>(VirtualAlloc(nullptr, size, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE));
  check(memory != nullptr, "VirtualAlloc");
  const std::span<std::byte> region(memory, size);

  FakeDesktop desktop(make_mode(600, 400, DXGI_FORMAT_B8G8R8A8_UNORM, 1));
  capture::DxgiOptions options;
  options.output = "1";
  auto backend = agent::on_input_desktop(capture::dxgi::make_dxgi_capture(options, desktop.factory()));
  std::atomic<bool> stop{false};
  std::string agent_error;
  std::thread agent_thread([&] {
    if (auto r = backend->start(); !r) {
      agent_error = r.error().message;
      spdlog::error("{}", agent_error);
      return;
    }
    agent::Agent loop(agent::AgentRegion{region, -1}, *backend,
                      agent::windows_guest_info("kagami test", "dxgi"));
    if (auto r = loop.run(stop); !r) agent_error = r.error().message;
  });
  struct Join {
    std::atomic<bool>& stop;
    std::thread& thread;
    ~Join() {
      stop = true;
      if (thread.joinable()) thread.join();
    }
  } join{stop, agent_thread};

  Viewer viewer(region);
  std::printf("--- --output 1: the region carries the second output's record\n");
  viewer.connect(kWait);
  const auto& output = viewer.session().guest().output;
  check(output.has_value(), "no output record");
  std::printf("    %s %ux%u at %d,%d, %u of %u, desktop %ux%u at %d,%d\n", output->name.c_str(),
              output->rect.width, output->rect.height, output->rect.x, output->rect.y, output->index,
              output->count, output->desktop.width, output->desktop.height, output->desktop.x,
              output->desktop.y);
  check(output->name == "\\\\.\\DISPLAY2", "the record names " + output->name);
  check(output->rect == protocol::OutputRect{1000, 0, 600, 400}, "the record's rectangle");
  check(output->desktop == protocol::OutputRect{0, 0, 1600, 600}, "the record's desktop");
  check(output->index == 1 && output->count == 2, "the record's index and count");
  expect_image(viewer, desktop, {protocol::FrameType::bgra, 0});

  std::printf("--- the client's pointer position is the output's: SetCursorPos adds its origin\n");
  expect_pointer_moved(viewer, 77, 66, {1077, 66});
  stop = true;
  agent_thread.join();
  check(agent_error.empty(), "the agent failed: " + agent_error);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  spdlog::set_level(spdlog::level::info);
  const bool second_output = argc == 2 && std::strcmp(argv[1], "--second-output") == 0;
  try {
    if (second_output) {
      run_second_output();
    } else {
      run();
    }
  } catch (const Failure& f) {
    std::printf("FAIL: %s\n", f.what());
    std::fflush(stdout);
    return 1;
  }
  std::printf("PASS\n");
  return 0;
}
