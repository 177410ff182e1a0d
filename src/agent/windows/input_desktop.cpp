#include "agent/windows/input_desktop.h"

#include <windows.h>

namespace kagami::agent {

std::string follow_input_desktop() {
  HDESK desktop = OpenInputDesktop(0, FALSE, GENERIC_ALL);
  if (!desktop) return {};
  if (!SetThreadDesktop(desktop)) {  // the thread owns windows or hooks, or no access
    CloseDesktop(desktop);
    return {};
  }
  // The previous desktop handle is not closed: a thread's desktop handle must stay valid, and
  // desktop switches are rare.
  char name[256] = {};
  DWORD needed = 0;
  GetUserObjectInformationA(desktop, UOI_NAME, name, sizeof(name) - 1, &needed);
  return name;
}

}  // namespace kagami::agent
