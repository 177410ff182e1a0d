#include "agent/windows/guest_info.h"

#include <windows.h>

#include <algorithm>
#include <vector>

namespace kagami::agent {
namespace {

std::string registry_string(const wchar_t* key, const wchar_t* value) {
  wchar_t buffer[256] = {};
  DWORD size = sizeof(buffer);
  if (RegGetValueW(HKEY_LOCAL_MACHINE, key, value, RRF_RT_REG_SZ, nullptr, buffer, &size) != ERROR_SUCCESS)
    return {};
  const int n = WideCharToMultiByte(CP_UTF8, 0, buffer, -1, nullptr, 0, nullptr, nullptr);
  std::string out(n > 0 ? static_cast<std::size_t>(n - 1) : 0, '\0');
  WideCharToMultiByte(CP_UTF8, 0, buffer, -1, out.data(), n, nullptr, nullptr);
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::uint8_t saturate(std::size_t n) { return static_cast<std::uint8_t>(std::min<std::size_t>(n, 255)); }

}  // namespace

protocol::GuestInfo windows_guest_info(std::string_view host_version, std::string_view capture_name) {
  protocol::GuestInfo info;
  info.host_version = std::string(host_version);
  info.features = protocol::kKvmfrFeatureSetCursorPos;

  protocol::VmInfo vm;
  vm.capture = std::string(capture_name);
  vm.model = registry_string(L"HARDWARE\\DESCRIPTION\\System\\CentralProcessor\\0", L"ProcessorNameString");
  SYSTEM_INFO system{};
  GetSystemInfo(&system);
  vm.cpus = saturate(system.dwNumberOfProcessors);
  // Cores and sockets from the processor topology.
  DWORD bytes = 0;
  GetLogicalProcessorInformation(nullptr, &bytes);
  std::vector<SYSTEM_LOGICAL_PROCESSOR_INFORMATION> topology(bytes /
                                                             sizeof(SYSTEM_LOGICAL_PROCESSOR_INFORMATION));
  if (!topology.empty() && GetLogicalProcessorInformation(topology.data(), &bytes)) {
    std::size_t cores = 0, sockets = 0;
    for (const auto& entry : topology) {
      cores += entry.Relationship == RelationProcessorCore;
      sockets += entry.Relationship == RelationProcessorPackage;
    }
    vm.cores = saturate(cores);
    vm.sockets = saturate(sockets);
  }
  info.vm = vm;

  protocol::OsInfo os;
  os.os = static_cast<std::uint8_t>(protocol::KvmfrOs::windows);
  const wchar_t* key = L"SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion";
  os.name = registry_string(key, L"ProductName");
  if (os.name.empty()) os.name = "Windows";
  const std::string build = registry_string(key, L"CurrentBuildNumber");
  if (!build.empty()) os.name += " (build " + build + ")";
  info.os = os;
  return info;
}

}  // namespace kagami::agent
