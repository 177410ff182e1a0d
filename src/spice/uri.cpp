#include "spice/uri.h"

#include <charconv>
#include <string>

namespace kagami::spice {
namespace {

Error bad_uri(std::string_view uri, std::string_view why) {
  return Error{"SPICE address '" + std::string(uri) + "' is invalid: " + std::string(why) +
               ". Use spice://HOST:PORT (e.g. spice://127.0.0.1:5900) or spice+unix:///PATH"};
}

}  // namespace

Result<SpiceAddress> parse_spice_uri(std::string_view uri) {
  constexpr std::string_view kUnix = "spice+unix://";
  constexpr std::string_view kTcp = "spice://";
  SpiceAddress address;
  if (uri.starts_with(kUnix)) {
    std::string_view path = uri.substr(kUnix.size());
    if (path.empty() || path.front() != '/') return bad_uri(uri, "the socket path must be absolute");
    address.unix_path = std::string(path);
    return address;
  }
  std::string_view rest = uri.starts_with(kTcp) ? uri.substr(kTcp.size()) : uri;
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.empty()) return bad_uri(uri, "no host");
  std::string_view host = rest;
  std::string_view port_text;
  if (rest.front() == '[') {  // [IPv6]:port
    size_t close = rest.find(']');
    if (close == std::string_view::npos) return bad_uri(uri, "unclosed '[' in the IPv6 address");
    host = rest.substr(1, close - 1);
    std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad_uri(uri, "expected ':' after ']'");
      port_text = after.substr(1);
    }
  } else if (size_t colon = rest.rfind(':'); colon != std::string_view::npos) {
    host = rest.substr(0, colon);
    port_text = rest.substr(colon + 1);
  }
  if (host.empty()) return bad_uri(uri, "no host");
  address.host = std::string(host);
  address.port = kDefaultSpicePort;
  if (!port_text.empty()) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || value == 0 || value > 65535) {
      return bad_uri(uri, "the port must be a number from 1 to 65535");
    }
    address.port = static_cast<uint16_t>(value);
  }
  return address;
}

}  // namespace kagami::spice
