#pragma once
// Building a Windows command line that CommandLineToArgvW (and the C runtime) splits back into
// exactly the same arguments: the service stores and launches the agent's options this way.
// Pure, no OS headers, unit-tested natively.
#include <string>
#include <string_view>
#include <vector>

namespace kagami::agent {

std::string quote_argument(std::string_view argument);
// The program path first, then each argument, quoted where needed.
std::string join_command_line(std::string_view program, const std::vector<std::string>& arguments);

}  // namespace kagami::agent
