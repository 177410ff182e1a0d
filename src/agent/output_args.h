#pragma once
// `kagami-agent --output A --shm X --output B --shm Y`: one command line with several outputs
// split into one command line per output, each then parsed as a single-output agent would be.
//   options before the first --output apply to every output (--capture, --fps-max, --display…);
//   options after an --output, up to the next, belong to that output alone, and must include
//   its own region (--shm or --device).
// With at most one --output the command line is returned unchanged (--shm may come anywhere).
#include <string>
#include <vector>

#include "common/result.h"

namespace kagami::agent {

Result<std::vector<std::vector<std::string>>> split_outputs(const std::vector<std::string>& arguments);

}  // namespace kagami::agent
