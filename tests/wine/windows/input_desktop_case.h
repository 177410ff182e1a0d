#pragma once
// The input-desktop case of dxgi_wine_test: set_cursor_position, called through the wrapper
// kagami-agent.exe uses (agent::on_input_desktop) from a thread that sits on another desktop —
// as the agent's timer thread does while the secure desktop shows — must reach the backend on
// the desktop that receives input, at every call, without piling up desktop handles. Wine has
// no secure desktop, but it has desktops (CreateDesktop, SetThreadDesktop, OpenInputDesktop).
namespace kagami::wine_test {

void check_input_desktop_per_call();  // throws Failure

}  // namespace kagami::wine_test
