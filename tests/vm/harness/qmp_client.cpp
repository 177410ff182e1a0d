#include "qmp_client.h"

#include <cstdio>

namespace kagami::vm_test {

Result<QmpClient> QmpClient::connect(const std::string& socket_path, Deadline deadline) {
  auto stream = UnixStream::connect(socket_path, deadline);
  if (!stream) return stream.error();
  QmpClient client;
  client.stream_ = std::move(*stream);
  // QEMU greets with {"QMP": {...}}; commands are accepted after qmp_capabilities.
  if (auto greeting = client.stream_.read_until(client.buffer_, "\n", deadline); !greeting) {
    return Error{"QMP greeting: " + greeting.error().message};
  }
  client.buffer_.clear();
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  if (auto ok = client.execute(R"({"execute":"qmp_capabilities"})", static_cast<int>(left.count()) + 1);
      !ok) {
    return ok.error();
  }
  return client;
}

Result<std::string> QmpClient::execute(std::string_view command_json, int timeout_ms) {
  if (auto sent = stream_.write_all(std::string(command_json) + "\n"); !sent) return sent.error();
  const Deadline deadline = deadline_after(timeout_ms);
  for (;;) {
    auto end = stream_.read_until(buffer_, "\n", deadline);
    if (!end) return Error{"QMP " + std::string(command_json) + ": " + end.error().message};
    std::string line = buffer_.substr(0, *end);
    buffer_.erase(0, *end + 1);
    if (line.rfind(R"({"return")", 0) == 0) return line;
    if (line.rfind(R"({"error")", 0) == 0)
      return Error{"QMP " + std::string(command_json) + " failed: " + line};
    // Anything else is an asynchronous event ({"timestamp":..., "event":...}): skip it.
  }
}

Result<std::string> QmpClient::human(std::string_view command, int timeout_ms) {
  auto reply = execute(
      R"({"execute":"human-monitor-command","arguments":{"command-line":)" + json_quote(command) + "}}",
      timeout_ms);
  if (!reply) return reply.error();
  // {"return": "text"}
  const auto open = reply->find('"', reply->find(':'));
  const auto close = reply->rfind('"');
  if (open == std::string::npos || close <= open) return Error{"unexpected QMP reply: " + *reply};
  return json_unquote(std::string_view(*reply).substr(open, close - open + 1));
}

std::string json_quote(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof(escaped), "\\u%04x", c);
          out += escaped;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string json_unquote(std::string_view literal) {
  if (literal.size() >= 2 && literal.front() == '"') literal = literal.substr(1, literal.size() - 2);
  std::string out;
  for (std::size_t i = 0; i < literal.size(); ++i) {
    if (literal[i] != '\\' || i + 1 == literal.size()) {
      out += literal[i];
      continue;
    }
    const char c = literal[++i];
    switch (c) {
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'u':  // QEMU escapes only control characters this way: keep ASCII, drop the rest
        if (i + 4 < literal.size()) {
          const unsigned long code = std::stoul(std::string(literal.substr(i + 1, 4)), nullptr, 16);
          if (code < 0x80) out += static_cast<char>(code);
          i += 4;
        }
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace kagami::vm_test
