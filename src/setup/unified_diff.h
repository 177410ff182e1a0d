#pragma once
// A unified diff of two texts, by the system's `diff -u` (diffutils is essential on Debian).
#include <string>

#include "common/result.h"

namespace kagami::setup {

// Empty when the texts are equal. `before_label`/`after_label` name the two sides in the header.
Result<std::string> unified_diff(const std::string& before, const std::string& after,
                                 const std::string& before_label, const std::string& after_label);

}  // namespace kagami::setup
