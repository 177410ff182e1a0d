#pragma once
// Looking Glass B7's client spellings, translated into kagami-client's: its `section:key[=value]`
// long form (e.g. win:fullScreen=yes, app:shmFile=/dev/kvmfr0) and its short flags (-f PATH, -F,
// -s, ...). Options with a kagami meaning become the kagami option; the others are an error that
// names the option and says why (docs/usage.md has the table). Pure: no I/O.
#include <functional>
#include <string>
#include <vector>

#include "common/result.h"

namespace kagami::client {

struct LookingGlassOption {
  const char* name;    // "win:fullScreen"
  char short_flag;     // 'F', or 0
  const char* kagami;  // what it becomes, for the docs ("--fullscreen"); "" when there is none
  const char* note;    // why there is none, or how the value maps
};

// Every Looking Glass B7 client option kagami knows about, with or without an equivalent.
const std::vector<LookingGlassOption>& looking_glass_options();

// Rewrites the Looking Glass spellings in `args` (argv without the program name) into kagami
// options; everything else is passed through unchanged. `takes_value(arg)` says whether a kagami
// option consumes the next argument (that argument is never translated).
Result<std::vector<std::string>> translate_looking_glass_args(
    const std::vector<std::string>& args, const std::function<bool(const std::string&)>& takes_value);

}  // namespace kagami::client
