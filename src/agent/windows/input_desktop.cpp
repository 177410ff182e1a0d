#include "agent/windows/input_desktop.h"

#include <windows.h>

namespace kagami::agent {
namespace {

std::string desktop_name(HDESK desktop) {
  char name[256] = {};
  DWORD needed = 0;
  if (!desktop || !GetUserObjectInformationA(desktop, UOI_NAME, name, sizeof(name) - 1, &needed)) return {};
  return name;
}

// The desktop handle this thread was last attached to by follow_input_desktop. The thread's
// initial desktop (GetThreadDesktop) belongs to the system and is never closed; ours is closed
// once the thread has moved on to another one.
thread_local HDESK t_attached = nullptr;

}  // namespace

std::string thread_desktop_name() { return desktop_name(GetThreadDesktop(GetCurrentThreadId())); }

std::string follow_input_desktop() {
  HDESK input = OpenInputDesktop(0, FALSE, GENERIC_ALL);
  if (!input) return {};
  const std::string name = desktop_name(input);
  if (!name.empty() && name == thread_desktop_name()) {  // already there: nothing to switch
    CloseDesktop(input);
    return name;
  }
  if (!SetThreadDesktop(input)) {
    CloseDesktop(input);
    return {};
  }
  if (t_attached) CloseDesktop(t_attached);
  t_attached = input;
  return name;
}

}  // namespace kagami::agent
