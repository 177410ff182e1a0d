// kagami-agent's command line with several --output: one command line per output.
#include "agent/output_args.h"

#include <gtest/gtest.h>

namespace kagami::agent {
namespace {

using Lines = std::vector<std::vector<std::string>>;

TEST(OutputArgs, OneOutputIsLeftAsItIs) {
  const std::vector<std::string> args{"--shm", "/dev/shm/a", "--output", "HDMI-1", "--capture", "x11"};
  auto lines = split_outputs(args);
  ASSERT_TRUE(lines);
  EXPECT_EQ(*lines, Lines{args});
}

TEST(OutputArgs, CommonOptionsGoToEveryOutput) {
  auto lines =
      split_outputs({"--capture", "x11", "--fps-max", "30", "--output", "LEFT", "--shm", "/dev/shm/a",
                     "--output=RIGHT", "--device=ivshmem:0000:00:06.0", "--poll-ms", "8"});
  ASSERT_TRUE(lines) << lines.error().message;
  EXPECT_EQ(*lines, (Lines{{"--capture", "x11", "--fps-max", "30", "--output", "LEFT", "--shm", "/dev/shm/a"},
                           {"--capture", "x11", "--fps-max", "30", "--output=RIGHT",
                            "--device=ivshmem:0000:00:06.0", "--poll-ms", "8"}}));
}

TEST(OutputArgs, EachOutputNeedsExactlyOneRegion) {
  auto shared = split_outputs({"--shm", "/dev/shm/a", "--output", "0", "--output", "1"});
  ASSERT_FALSE(shared);
  EXPECT_NE(shared.error().message.find("its own region"), std::string::npos) << shared.error().message;
  auto missing = split_outputs({"--output", "0", "--shm", "/dev/shm/a", "--output", "1"});
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("--output 1 needs exactly one"), std::string::npos)
      << missing.error().message;
  EXPECT_FALSE(
      split_outputs({"--output", "0", "--shm", "a", "--device", "ivshmem", "--output", "1", "--shm", "b"}));
}

}  // namespace
}  // namespace kagami::agent
