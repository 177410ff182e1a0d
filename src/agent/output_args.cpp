#include "agent/output_args.h"

#include <fmt/format.h>

namespace kagami::agent {

namespace {

// `--name value` or `--name=value`.
bool is_option(const std::string& arg, const char* name) {
  const std::string flag = std::string("--") + name;
  return arg == flag || arg.rfind(flag + "=", 0) == 0;
}

bool is_region(const std::string& arg) { return is_option(arg, "shm") || is_option(arg, "device"); }

}  // namespace

Result<std::vector<std::vector<std::string>>> split_outputs(const std::vector<std::string>& arguments) {
  std::vector<std::size_t> starts;
  for (std::size_t i = 0; i < arguments.size(); ++i) {
    if (is_option(arguments[i], "output")) starts.push_back(i);
  }
  if (starts.size() <= 1) return std::vector<std::vector<std::string>>{arguments};

  const std::vector<std::string> common(arguments.begin(),
                                        arguments.begin() + static_cast<std::ptrdiff_t>(starts[0]));
  for (const std::string& arg : common) {
    if (is_region(arg))
      return Error{
          fmt::format("with several --output, give each output its own region after it "
                      "(--output A --shm X --output B --shm Y); '{}' comes before the first --output",
                      arg)};
  }
  std::vector<std::vector<std::string>> lines;
  for (std::size_t g = 0; g < starts.size(); ++g) {
    const std::size_t end = g + 1 < starts.size() ? starts[g + 1] : arguments.size();
    std::vector<std::string> line = common;
    int regions = 0;
    for (std::size_t i = starts[g]; i < end; ++i) {
      regions += is_region(arguments[i]) ? 1 : 0;
      line.push_back(arguments[i]);
    }
    const std::string& output =
        arguments[starts[g]] == "--output" && starts[g] + 1 < end
            ? arguments[starts[g] + 1]
            : arguments[starts[g]].substr(std::min<std::size_t>(9, arguments[starts[g]].size()));
    if (regions != 1)
      return Error{fmt::format("--output {} needs exactly one --shm or --device after it (found {})", output,
                               regions)};
    lines.push_back(std::move(line));
  }
  return lines;
}

}  // namespace kagami::agent
