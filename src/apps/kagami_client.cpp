// kagami-client: shows a KVM guest's screen from the shared-memory region its agent writes.
#include <spdlog/spdlog.h>

#include "client/client_app.h"
#include "client/options.h"

int main(int argc, char** argv) {
  auto parsed = kagami::client::parse_command_line(argc, argv);
  if (parsed.exit) return parsed.exit_code;
  spdlog::set_level(spdlog::level::from_str(parsed.options.log_level));
  spdlog::set_pattern("[%H:%M:%S.%e] [kagami-client] [%l] %v");
  if (!parsed.options.config.empty()) spdlog::info("config: {}", parsed.options.config);
  kagami::client::ClientApp app(std::move(parsed.options));
  return app.run();
}
