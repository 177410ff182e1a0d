#pragma once
// A gmock matcher for one doctor finding: its status, its topic, and a piece of its message.
#include <gmock/gmock.h>

#include <string>

#include "setup/doctor.h"

namespace kagami::setup {

inline auto finding(FindingStatus status, const std::string& topic, const std::string& text) {
  using ::testing::Field;
  return ::testing::AllOf(Field(&Finding::status, status), Field(&Finding::topic, topic),
                          Field(&Finding::message, ::testing::HasSubstr(text)));
}

}  // namespace kagami::setup
