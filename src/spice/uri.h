#pragma once
// Parsing of the SPICE addresses kagami accepts: "spice://HOST[:PORT]", "HOST:PORT",
// "spice+unix:///PATH". Pure; unit-tested.
#include <string_view>

#include "common/result.h"
#include "spice/options.h"

namespace kagami::spice {

inline constexpr uint16_t kDefaultSpicePort = 5900;

Result<SpiceAddress> parse_spice_uri(std::string_view uri);

}  // namespace kagami::spice
