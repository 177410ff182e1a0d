#include "agent/windows/command_line.h"

namespace kagami::agent {

// The rules of CommandLineToArgvW: inside quotes, backslashes are literal except before a
// quote, where 2n backslashes + quote mean n backslashes + end/start of quoting and 2n+1
// backslashes + quote mean n backslashes + a literal quote.
std::string quote_argument(std::string_view argument) {
  if (!argument.empty() && argument.find_first_of(" \t\n\v\"") == std::string_view::npos) {
    return std::string(argument);
  }
  std::string out = "\"";
  std::size_t backslashes = 0;
  for (char c : argument) {
    if (c == '\\') {
      ++backslashes;
      continue;
    }
    if (c == '"') {
      out.append(backslashes * 2 + 1, '\\');
    } else {
      out.append(backslashes, '\\');
    }
    backslashes = 0;
    out += c;
  }
  out.append(backslashes * 2, '\\');  // before the closing quote
  out += '"';
  return out;
}

std::string join_command_line(std::string_view program, const std::vector<std::string>& arguments) {
  // The program name is parsed without escapes: quote it whole (paths cannot contain quotes).
  std::string out = "\"" + std::string(program) + "\"";
  for (const std::string& argument : arguments) out += " " + quote_argument(argument);
  return out;
}

}  // namespace kagami::agent
