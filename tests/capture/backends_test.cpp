#include "capture/backends.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>

namespace kagami::capture {
namespace {

// The tests choose the session through the options; the caller's desktop must not leak in.
void no_session_variables() {
  ::unsetenv("WAYLAND_DISPLAY");
  ::unsetenv("DISPLAY");
}

bool built(const char* name) {
  const auto names = backend_names();
  return std::find(names.begin(), names.end(), name) != names.end();
}

BackendOptions nowhere() {
  BackendOptions o;
  o.display = ":65000";  // no such X server
  o.fb_path = "/nonexistent/fb0";
  o.drm_path = "/nonexistent/card0";
  return o;
}

TEST(Backends, NamesIncludeEveryBackendOfThisBuild) {
  const auto names = backend_names();
  for (const char* n : {"drm", "fb", "pattern"})
    EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;
}

TEST(Backends, UnknownNameListsTheKnownOnes) {
  const auto r = open_backend("vnc", nowhere());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("unknown capture backend 'vnc'"), std::string::npos);
  EXPECT_NE(r.error().message.find("pattern"), std::string::npos);
}

TEST(Backends, PatternOpensByName) {
  const auto r = open_backend("pattern", nowhere());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ((*r)->name(), "pattern");
}

TEST(Backends, AutoSaysWhyEachBackendFailed) {
  no_session_variables();
  const auto r = open_backend("auto", nowhere());
  ASSERT_FALSE(r);
  const std::string& m = r.error().message;
  EXPECT_NE(m.find("/nonexistent/fb0"), std::string::npos) << m;
  EXPECT_NE(m.find("/nonexistent/card0"), std::string::npos) << m;
  EXPECT_NE(m.find("--capture pattern"), std::string::npos) << m;
  EXPECT_EQ(m.find("pattern:"), std::string::npos) << "auto never picks the synthetic screen";
}

TEST(Backends, SessionComesFromTheOptionsOrTheEnvironment) {
  no_session_variables();
  EXPECT_FALSE(detect_session({}).wayland);
  EXPECT_FALSE(detect_session({}).x11);
  ::setenv("WAYLAND_DISPLAY", "wayland-1", 1);
  ::setenv("DISPLAY", ":0", 1);
  EXPECT_TRUE(detect_session({}).wayland);
  EXPECT_TRUE(detect_session({}).x11);
  no_session_variables();
  BackendOptions o;
  o.wayland_display = "wayland-5";
  EXPECT_TRUE(detect_session(o).wayland);
  o = {};
  o.display = ":3";
  EXPECT_TRUE(detect_session(o).x11);
}

TEST(Backends, AutoOrderPerSession) {
  using V = std::vector<std::string>;
  // Wayland first even when XWayland sets DISPLAY too: its root window is not the desktop.
  const AutoPlan wayland = auto_plan(Session{true, true});
  V expected;
  for (const char* n : {"wlr", "portal"}) {
    if (built(n)) expected.push_back(n);
  }
  expected.insert(expected.end(), {"drm", "fb"});
  EXPECT_EQ(wayland.order, expected);
  EXPECT_NE(wayland.why.find("Wayland"), std::string::npos);
  const AutoPlan x11 = auto_plan(Session{false, true});
  EXPECT_EQ(x11.order, built("x11") ? V({"x11", "drm", "fb"}) : V({"drm", "fb"}));
  EXPECT_NE(x11.why.find("X11"), std::string::npos);
  const AutoPlan console = auto_plan(Session{false, false});
  EXPECT_EQ(console.order, V({"drm", "fb"}));
  EXPECT_NE(console.why.find("no desktop session"), std::string::npos);
}

TEST(Backends, AutoOnAConsoleTriesDrmThenFbAndSaysSo) {
  no_session_variables();
  BackendOptions o = nowhere();
  o.display.clear();
  const auto r = open_backend("auto", o);
  ASSERT_FALSE(r);
  const std::string& m = r.error().message;
  EXPECT_NE(m.find("no desktop session"), std::string::npos) << m;
  EXPECT_LT(m.find("drm:"), m.find("fb:")) << m;
  EXPECT_EQ(m.find("x11:"), std::string::npos) << m;
}

}  // namespace
}  // namespace kagami::capture
