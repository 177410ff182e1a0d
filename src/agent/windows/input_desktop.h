#pragma once
// The secure desktop (UAC prompts, the login screen) is a different desktop from the user's.
// Capture only sees the desktop its thread is attached to, so after a capture loss the agent
// re-attaches the capture thread to whichever desktop receives input now. This works when the
// agent runs as SYSTEM in the console session (as the service launches it); otherwise the call
// fails harmlessly and capture stays on the user's desktop.
#include <string>

namespace kagami::agent {

// Call on the capture thread before (re)starting the backend. Returns the desktop's name
// ("Default", "Winlogon"), or "" when the thread could not be moved.
std::string follow_input_desktop();

}  // namespace kagami::agent
