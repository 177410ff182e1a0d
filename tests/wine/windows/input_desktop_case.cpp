#include "tests/wine/windows/input_desktop_case.h"

#include <windows.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "agent/windows/input_desktop.h"
#include "agent/windows/windows_capture.h"
#include "tests/wine/windows/viewer.h"

namespace kagami::wine_test {
namespace {

// Records the desktop each set_cursor_position call runs on.
class Recorder final : public capture::CaptureBackend {
 public:
  std::string_view name() const override { return "recorder"; }
  Result<void> start() override { return {}; }
  capture::CaptureStatus capture(std::chrono::milliseconds, capture::CaptureEvent*) override {
    return capture::CaptureStatus::timeout;
  }
  capture::CaptureStatus read_pixels(const capture::FrameTarget&, std::span<const capture::Rect>) override {
    return capture::CaptureStatus::ok;
  }
  void set_cursor_position(std::int32_t, std::int32_t) override {
    desktops.push_back(agent::thread_desktop_name());
  }
  std::string last_error() const override { return {}; }
  std::vector<std::string> desktops;
};

std::string name_of(HDESK desktop) {
  char name[256] = {};
  DWORD needed = 0;
  GetUserObjectInformationA(desktop, UOI_NAME, name, sizeof(name) - 1, &needed);
  return name;
}

}  // namespace

void check_input_desktop_per_call() {
  HDESK input = OpenInputDesktop(0, FALSE, GENERIC_ALL);
  check(input != nullptr, "OpenInputDesktop failed with " + std::to_string(GetLastError()));
  const std::string input_name = name_of(input);
  CloseDesktop(input);
  HDESK other = CreateDesktopW(L"kagami-test-other", nullptr, nullptr, 0, GENERIC_ALL, nullptr);
  check(other != nullptr, "CreateDesktop failed with " + std::to_string(GetLastError()));

  auto owned = std::make_unique<Recorder>();
  Recorder& recorder = *owned;
  const auto wrapped = agent::on_input_desktop(std::move(owned));
  constexpr int kCalls = 200;
  std::vector<std::string> before;  // the thread's desktop before each call
  // Handle-table growth, seen through the value a fresh handle gets (both Windows and Wine hand
  // out the lowest free slot; GetProcessHandleCount is 0 under Wine 8).
  const auto next_handle = [] {
    HANDLE h = CreateEventW(nullptr, FALSE, FALSE, nullptr);
    CloseHandle(h);
    return reinterpret_cast<std::uintptr_t>(h);
  };
  std::uintptr_t handle_early = 0, handle_late = 0;
  std::thread timer([&] {  // stands in for the agent's timer thread
    for (int i = 0; i < kCalls; ++i) {
      if (!SetThreadDesktop(other)) {
        before.push_back("SetThreadDesktop failed: " + std::to_string(GetLastError()));
        return;
      }
      before.push_back(agent::thread_desktop_name());
      wrapped->set_cursor_position(10 + i, 20);
      if (i == 10) handle_early = next_handle();
    }
    handle_late = next_handle();
  });
  timer.join();
  CloseDesktop(other);

  check(before.size() == kCalls && before[0] == "kagami-test-other",
        "the thread was not on the other desktop: " + (before.empty() ? std::string("?") : before.back()));
  check(recorder.desktops.size() == kCalls, "set_cursor_position did not reach the backend every time");
  for (const auto& d : recorder.desktops)
    check(d == input_name,
          "set_cursor_position ran on '" + d + "', not the input desktop '" + input_name + "'");
  std::printf("    %d calls from a thread on 'kagami-test-other': each ran on '%s'\n", kCalls,
              input_name.c_str());
  // A desktop handle kept per call would push the next free slot ~190 handles (4 apart) up.
  std::printf("    the next free handle: %#llx after 10 calls, %#llx after %d\n",
              static_cast<unsigned long long>(handle_early), static_cast<unsigned long long>(handle_late),
              kCalls);
  check(handle_late <= handle_early + 20 * 4, "desktop handles pile up");
}

}  // namespace kagami::wine_test
