#include "agent/guest_info.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>

namespace kagami::agent {

namespace {

std::string trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(first, last - first + 1));
}

std::string read_file(const char* path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace

CpuCounts parse_cpuinfo(std::string_view cpuinfo) {
  CpuCounts counts;
  std::set<std::string> sockets;
  std::set<std::pair<std::string, std::string>> cores;
  std::string physical_id, core_id;
  bool have_core = false;
  auto end_processor = [&] {
    if (have_core) cores.emplace(physical_id, core_id);
    physical_id.clear();
    core_id.clear();
    have_core = false;
  };
  std::size_t pos = 0;
  while (pos <= cpuinfo.size()) {
    const std::size_t eol = std::min(cpuinfo.find('\n', pos), cpuinfo.size());
    const std::string_view line = cpuinfo.substr(pos, eol - pos);
    pos = eol + 1;
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string key = trim(line.substr(0, colon));
    const std::string value = trim(line.substr(colon + 1));
    if (key == "processor") {
      if (counts.cpus > 0) end_processor();
      ++counts.cpus;
    } else if (key == "model name" && counts.model.empty()) {
      counts.model = value;
    } else if (key == "physical id") {
      physical_id = value;
      sockets.insert(value);
    } else if (key == "core id") {
      core_id = value;
      have_core = true;
    }
  }
  end_processor();
  counts.sockets = sockets.empty() ? (counts.cpus ? 1u : 0u) : static_cast<unsigned>(sockets.size());
  counts.cores = cores.empty() ? counts.cpus : static_cast<unsigned>(cores.size());
  return counts;
}

std::string parse_os_release(std::string_view text) {
  std::string pretty, name;
  std::istringstream in{std::string(text)};
  for (std::string line; std::getline(in, line);) {
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string value = trim(std::string_view(line).substr(eq + 1));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
        value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    }
    if (line.compare(0, eq, "PRETTY_NAME") == 0) pretty = value;
    if (line.compare(0, eq, "NAME") == 0) name = value;
  }
  if (!pretty.empty()) return pretty;
  if (!name.empty()) return name;
  return "Linux";
}

protocol::GuestInfo collect_guest_info(std::string_view capture_backend) {
  protocol::GuestInfo info;
  info.host_version = "kagami " KAGAMI_VERSION;  // from CMake
  info.features = protocol::kKvmfrFeatureSetCursorPos;

  const CpuCounts cpu = parse_cpuinfo(read_file("/proc/cpuinfo"));
  protocol::VmInfo vm;
  vm.capture = std::string(capture_backend);
  const long online = ::sysconf(_SC_NPROCESSORS_ONLN);
  vm.cpus = static_cast<std::uint8_t>(std::min<long>(cpu.cpus ? cpu.cpus : std::max(online, 1L), 255));
  vm.cores = static_cast<std::uint8_t>(std::min<unsigned>(cpu.cores ? cpu.cores : vm.cpus, 255));
  vm.sockets = static_cast<std::uint8_t>(std::min<unsigned>(cpu.sockets ? cpu.sockets : 1, 255));
  vm.model = cpu.model.empty() ? "unknown CPU" : cpu.model;
  info.vm = vm;

  std::string os = read_file("/etc/os-release");
  if (os.empty()) os = read_file("/usr/lib/os-release");
  char host[256] = {};
  ::gethostname(host, sizeof(host) - 1);
  protocol::OsInfo os_info;
  os_info.os = static_cast<std::uint8_t>(protocol::KvmfrOs::linux);
  os_info.name = parse_os_release(os);
  if (host[0]) os_info.name += std::string(" (") + host + ")";
  info.os = os_info;
  return info;
}

}  // namespace kagami::agent
