#pragma once
// In the agent's threaded tests the viewer (Reader) runs on the test thread of the agent's own
// process, but it stands for another process (kagami-client on the host, or another VM): LGMP
// shares plain fields across processes (B7's layout; lgmp-v6.md §7), which TSan would report
// between the viewer's thread and the agent's. Under TSan, OtherProcess makes the current
// thread's plain memory accesses invisible for its scope (atomics still synchronise), so TSan
// reports what it is run for: races between the agent's own capture and timer threads.
#if defined(__SANITIZE_THREAD__)
extern "C" void __tsan_ignore_thread_begin();
extern "C" void __tsan_ignore_thread_end();
#endif

namespace kagami::testing {

class OtherProcess {
 public:
#if defined(__SANITIZE_THREAD__)
  OtherProcess() { __tsan_ignore_thread_begin(); }
  ~OtherProcess() { __tsan_ignore_thread_end(); }
#else
  OtherProcess() {}  // user-provided, so a guard is not an "unused variable"
  ~OtherProcess() {}
#endif
  OtherProcess(const OtherProcess&) = delete;
  OtherProcess& operator=(const OtherProcess&) = delete;
};

}  // namespace kagami::testing
