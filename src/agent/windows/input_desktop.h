#pragma once
// The secure desktop (UAC prompts, the login screen) is a different desktop from the user's.
// Capture only sees, and SetCursorPos only moves the pointer of, the desktop the calling thread
// is attached to. So the capture thread re-attaches at every (re)start of the backend, and the
// thread that moves the pointer for the client (the agent's timer thread) re-attaches at every
// call. This works when the agent runs as SYSTEM in the console session (as the service
// launches it); otherwise the call fails harmlessly and the thread stays where it is.
#include <string>

namespace kagami::agent {

// Attaches the calling thread to the desktop that receives input now, unless it is on it
// already. Returns that desktop's name ("Default", "Winlogon"), or "" when the thread could not
// be moved (no access, or the thread owns windows or hooks). Cheap enough to call per message:
// the handle of a desktop the thread left is closed, so repeated calls hold one handle.
std::string follow_input_desktop();

// The name of the calling thread's desktop ("" if unknown).
std::string thread_desktop_name();

}  // namespace kagami::agent
