#pragma once
// A minimal client of QEMU's machine protocol (QMP, JSON lines on a Unix socket): enough to
// take screendumps, run human-monitor commands and quit. It recognises replies by their
// top-level key and skips asynchronous events; it does not parse JSON in general.
#include <string>
#include <string_view>

#include "unix_stream.h"

namespace kagami::vm_test {

class QmpClient {
 public:
  // Connects and negotiates capabilities.
  static Result<QmpClient> connect(const std::string& socket_path, Deadline deadline);

  // Sends one command object, e.g. {"execute":"quit"}; returns the reply line ({"return": ...}),
  // or an error holding QEMU's {"error": ...} line.
  Result<std::string> execute(std::string_view command_json, int timeout_ms);
  // A human monitor (HMP) command through QMP, e.g. "info spice"; returns its text output.
  Result<std::string> human(std::string_view command, int timeout_ms);

 private:
  UnixStream stream_;
  std::string buffer_;
};

// The JSON string literal for `text` (with quotes), and back: just enough for QMP strings.
std::string json_quote(std::string_view text);
std::string json_unquote(std::string_view literal);

}  // namespace kagami::vm_test
