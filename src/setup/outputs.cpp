#include "setup/outputs.h"

#include <fmt/format.h>

namespace kagami::setup {

std::string output_region(const std::string& first, unsigned index) {
  return index == 0 ? first : fmt::format("{}-{}", first, index + 1);
}

}  // namespace kagami::setup
