#include "motion_injector.h"

#include <time.h>
#include <xcb/xtest.h>

#include "common/clock.h"

namespace kagami::bench {

MotionInjector::MotionInjector(const std::string& display) : c_(xcb_connect(display.c_str(), nullptr)) {
  root_ = xcb_setup_roots_iterator(xcb_get_setup(c_)).data->root;
}

MotionInjector::~MotionInjector() {
  stop();
  xcb_disconnect(c_);
}

void MotionInjector::start(int period_us) {
  stop();
  sent_.clear();
  running_ = true;
  thread_ = std::thread([this, period_us] {
    std::uint64_t due = monotonic_ns();
    while (running_) {
      // Every position is new (a 999x999 grid walked row by row), so a handled motion names the
      // injection it came from.
      const int i = next_++;
      const int x = 1 + i % 999, y = 1 + (i / 999) % 999;
      xcb_test_fake_input(c_, XCB_MOTION_NOTIFY, 0, XCB_CURRENT_TIME, root_, static_cast<std::int16_t>(x),
                          static_cast<std::int16_t>(y), 0);
      xcb_flush(c_);
      sent_[{x, y}] = monotonic_ns();
      due += static_cast<std::uint64_t>(period_us) * 1000;
      const timespec ts{static_cast<time_t>(due / 1'000'000'000), static_cast<long>(due % 1'000'000'000)};
      clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr);
    }
  });
}

void MotionInjector::stop() {
  running_ = false;
  if (thread_.joinable()) thread_.join();
  // Everything sent has reached the server once a round trip returns.
  free(xcb_get_input_focus_reply(c_, xcb_get_input_focus(c_), nullptr));
}

}  // namespace kagami::bench
