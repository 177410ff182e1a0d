#include "capture/backends.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace kagami::capture {
namespace {

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
  const auto r = open_backend("auto", nowhere());
  ASSERT_FALSE(r);
  const std::string& m = r.error().message;
  EXPECT_NE(m.find("/nonexistent/fb0"), std::string::npos) << m;
  EXPECT_NE(m.find("/nonexistent/card0"), std::string::npos) << m;
  EXPECT_NE(m.find("--capture pattern"), std::string::npos) << m;
  EXPECT_EQ(m.find("pattern:"), std::string::npos) << "auto never picks the synthetic screen";
}

}  // namespace
}  // namespace kagami::capture
