#pragma once
// The thread that runs GLib's default main context for spice-client-glib, and the one way other
// threads hand work to it: invoke() appends to a FIFO drained by an idle source on that thread, so
// calls run in the order they were made (key press before key release).
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

typedef struct _GMainLoop GMainLoop;

namespace kagami::spice {

class GlibLoop {
 public:
  GlibLoop();   // starts the thread; returns once the loop is running
  ~GlibLoop();  // quits the loop and joins; work still queued is run first

  GlibLoop(const GlibLoop&) = delete;
  GlibLoop& operator=(const GlibLoop&) = delete;

  void invoke(std::function<void()> work);       // any thread; runs later on the loop thread
  void invoke_sync(std::function<void()> work);  // any thread but the loop's; waits for it to run
  bool on_loop_thread() const { return std::this_thread::get_id() == thread_.get_id(); }

  // Runs pending GLib events on the loop thread for up to `ms` (used to flush messages on teardown).
  static void pump_for_ms(unsigned ms);

 private:
  static int drain(void* self);

  GMainLoop* loop_ = nullptr;
  std::thread thread_;
  std::mutex mutex_;  // guards queue_ and drain_scheduled_
  std::deque<std::function<void()>> queue_;
  bool drain_scheduled_ = false;
};

}  // namespace kagami::spice
