#include "agent/windows/command_line.h"

#include <gtest/gtest.h>

namespace kagami::agent {
namespace {

// CommandLineToArgvW's rules for one argument, written independently of quote_argument: used to
// check that every quoted argument reads back unchanged.
std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i >= line.size()) break;
    std::string arg;
    bool quoted = false;
    while (i < line.size() && (quoted || (line[i] != ' ' && line[i] != '\t'))) {
      std::size_t slashes = 0;
      while (i < line.size() && line[i] == '\\') ++slashes, ++i;
      if (i < line.size() && line[i] == '"') {
        arg.append(slashes / 2, '\\');
        if (slashes % 2) {
          arg += '"';
        } else {
          quoted = !quoted;
        }
        ++i;
      } else {
        arg.append(slashes, '\\');
        if (i < line.size() && (quoted || (line[i] != ' ' && line[i] != '\t'))) arg += line[i++];
      }
    }
    out.push_back(arg);
  }
  return out;
}

TEST(CommandLine, PlainArgumentsStayUnquoted) {
  EXPECT_EQ(quote_argument("--shm"), "--shm");
  EXPECT_EQ(quote_argument("Z:\\dev\\shm\\x"), "Z:\\dev\\shm\\x");
  EXPECT_EQ(quote_argument(""), "\"\"");
}

TEST(CommandLine, KnownQuotings) {
  EXPECT_EQ(quote_argument("a b"), "\"a b\"");
  EXPECT_EQ(quote_argument("a\"b"), "\"a\\\"b\"");
  EXPECT_EQ(quote_argument("C:\\my dir\\"), "\"C:\\my dir\\\\\"");
}

TEST(CommandLine, EveryArgumentReadsBackUnchanged) {
  const std::vector<std::string> args = {"service", "--shm",     "C:\\Program Files\\x\\", "a\\\\\"b",
                                         "",        "tab\there", "\\\\server\\share",      "end\\"};
  const std::string line = join_command_line("C:\\Program Files\\kagami\\kagami-agent.exe", args);
  auto parsed = split(line);
  ASSERT_EQ(parsed.size(), args.size() + 1) << line;
  EXPECT_EQ(parsed[0], "C:\\Program Files\\kagami\\kagami-agent.exe");
  for (std::size_t i = 0; i < args.size(); ++i) EXPECT_EQ(parsed[i + 1], args[i]) << line;
}

}  // namespace
}  // namespace kagami::agent
