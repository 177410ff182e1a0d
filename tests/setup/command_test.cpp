// run_command drives virsh, virt-xml-validate, diff and QEMU: argv without a shell, stdin fed while
// stdout and stderr are drained (large outputs must not deadlock), exit status and signals reported.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "setup/command.h"
#include "setup/unified_diff.h"

namespace kagami::setup {
namespace {

using ::testing::HasSubstr;

TEST(RunCommand, PassesArgvVerbatimAndCollectsBothStreams) {
  auto r = run_command({"sh", "-c", "echo \"$1\"; echo err >&2; exit 3", "sh", "a b; $(rm -rf /)"});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->exit_status, 3);
  EXPECT_EQ(r->out, "a b; $(rm -rf /)\n");
  EXPECT_EQ(r->err, "err\n");
}

TEST(RunCommand, FeedsLargeInputWhileDrainingLargeOutput) {
  std::string input(4 << 20, 'k');  // far beyond a pipe buffer in both directions
  auto r = run_command({"cat"}, input);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->exit_status, 0);
  EXPECT_EQ(r->out.size(), input.size());
  EXPECT_EQ(r->out, input);
}

TEST(RunCommand, ReportsSignalsAndMissingPrograms) {
  auto killed = run_command({"sh", "-c", "kill -TERM $$"});
  ASSERT_TRUE(killed);
  EXPECT_EQ(killed->exit_status, 128 + 15);
  auto missing = run_command({"kagami-no-such-program"});
  ASSERT_FALSE(missing);
  EXPECT_THAT(missing.error().message, HasSubstr("cannot run kagami-no-such-program"));
  EXPECT_FALSE(find_program("kagami-no-such-program"));
  EXPECT_TRUE(find_program("sh"));
}

TEST(ShellQuote, QuotesOnlyWhatNeedsIt) {
  EXPECT_EQ(shell_quote({"virsh", "-c", "qemu:///session", "define", "/tmp/x.xml"}),
            "virsh -c qemu:///session define /tmp/x.xml");
  EXPECT_EQ(shell_quote({"echo", "it's here", ""}), "echo 'it'\\''s here' ''");
}

TEST(UnifiedDiff, EmptyForEqualTextsAndLabelledOtherwise) {
  EXPECT_EQ(*unified_diff("a\nb\n", "a\nb\n", "old", "new"), "");
  auto diff = unified_diff("a\nb\n", "a\nc\n", "old", "new");
  ASSERT_TRUE(diff);
  EXPECT_THAT(*diff, HasSubstr("--- old\n+++ new\n"));
  EXPECT_THAT(*diff, HasSubstr("-b\n+c\n"));
}

}  // namespace
}  // namespace kagami::setup
