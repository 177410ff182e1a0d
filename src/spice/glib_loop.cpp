#include "spice/glib_loop.h"

#include <glib.h>

#include <future>

#include "common/clock.h"

namespace kagami::spice {

GlibLoop::GlibLoop() {
  loop_ = g_main_loop_new(nullptr, FALSE);  // nullptr: the default context spice-client-glib uses
  std::promise<void> running;
  thread_ = std::thread([this, &running] {
    // An idle callback fires once the loop owns the context: then invoke() is safe.
    g_idle_add_full(
        G_PRIORITY_HIGH,
        [](void* p) -> gboolean {
          static_cast<std::promise<void>*>(p)->set_value();
          return G_SOURCE_REMOVE;
        },
        &running, nullptr);
    g_main_loop_run(loop_);
  });
  running.get_future().wait();
}

GlibLoop::~GlibLoop() {
  invoke_sync([] {});  // runs everything queued before
  g_main_loop_quit(loop_);
  thread_.join();
  g_main_loop_unref(loop_);
}

void GlibLoop::invoke(std::function<void()> work) {
  std::lock_guard lock(mutex_);
  queue_.push_back(std::move(work));
  if (!drain_scheduled_) {
    drain_scheduled_ = true;
    g_idle_add_full(G_PRIORITY_HIGH, &GlibLoop::drain, this, nullptr);  // thread-safe in GLib
  }
}

void GlibLoop::invoke_sync(std::function<void()> work) {
  std::promise<void> done;
  invoke([&] {
    work();
    done.set_value();
  });
  done.get_future().wait();
}

int GlibLoop::drain(void* self_ptr) {
  auto* self = static_cast<GlibLoop*>(self_ptr);
  std::deque<std::function<void()>> batch;
  {
    std::lock_guard lock(self->mutex_);
    batch.swap(self->queue_);
    self->drain_scheduled_ = false;
  }
  for (auto& work : batch) work();
  return G_SOURCE_REMOVE;
}

void GlibLoop::pump_for_ms(unsigned ms) {
  const uint64_t end = monotonic_ns() + uint64_t{ms} * 1'000'000;
  while (monotonic_ns() < end) {
    if (!g_main_context_iteration(nullptr, FALSE)) g_usleep(1000);
  }
}

}  // namespace kagami::spice
