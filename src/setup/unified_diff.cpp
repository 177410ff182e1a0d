#include "setup/unified_diff.h"

#include <fmt/format.h>

#include "setup/command.h"
#include "setup/temp_file.h"

namespace kagami::setup {

Result<std::string> unified_diff(const std::string& before, const std::string& after,
                                 const std::string& before_label, const std::string& after_label) {
  auto a = TempFile::create("before", ".xml", before);
  if (!a) return a.error();
  auto b = TempFile::create("after", ".xml", after);
  if (!b) return b.error();
  auto diff =
      run_command({"diff", "-u", "--label", before_label, "--label", after_label, a->path(), b->path()});
  if (!diff) return diff.error();
  if (diff->exit_status > 1) return Error{fmt::format("diff failed: {}", diff->err)};
  return diff->out;
}

}  // namespace kagami::setup
