// shm/region.h on Windows: file mappings and the IVSHMEM driver.
// windows.h must come before the other Windows headers.
// clang-format off
#include <windows.h>
#include <setupapi.h>
#include <winioctl.h>
// clang-format on

#include <fmt/format.h>

#include <cstring>
#include <string>
#include <vector>

#include "shm/windows/ivshmem_region.h"

namespace kagami::shm {
namespace {

// virtio-win ivshmem/Public.h (ivshmem-access.md §4).
const GUID kIvshmemInterface = {0xdf576976, 0x569d, 0x4672, {0x95, 0xa0, 0xf5, 0x7e, 0x4e, 0xa0, 0xb2, 0x10}};
constexpr DWORD kIoctlRequestSize = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x801, METHOD_BUFFERED, FILE_ANY_ACCESS);
constexpr DWORD kIoctlRequestMmap = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x802, METHOD_BUFFERED, FILE_ANY_ACCESS);
constexpr DWORD kIoctlReleaseMmap = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x803, METHOD_BUFFERED, FILE_ANY_ACCESS);
static_assert(kIoctlRequestSize == 0x222004 && kIoctlRequestMmap == 0x222008 &&
              kIoctlReleaseMmap == 0x22200C);
constexpr std::uint8_t kCacheWriteCombined = 2;

struct IvshmemMmap {  // IVSHMEM_MMAP, 64-bit layout
  std::uint16_t peer_id;
  std::uint64_t size;
  void* ptr;
  std::uint16_t vectors;
};
static_assert(sizeof(IvshmemMmap) == 32 && offsetof(IvshmemMmap, size) == 8 &&
              offsetof(IvshmemMmap, ptr) == 16);

std::string system_message(DWORD error) {
  wchar_t* text = nullptr;
  FormatMessageW(FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
                 nullptr, error, 0, reinterpret_cast<wchar_t*>(&text), 0, nullptr);
  std::string out;
  if (text) {
    const int n = WideCharToMultiByte(CP_UTF8, 0, text, -1, nullptr, 0, nullptr, nullptr);
    out.resize(n > 0 ? static_cast<std::size_t>(n - 1) : 0);
    WideCharToMultiByte(CP_UTF8, 0, text, -1, out.data(), n, nullptr, nullptr);
    LocalFree(text);
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r' || out.back() == '.')) out.pop_back();
  }
  return fmt::format("{} (error {})", out.empty() ? "unknown error" : out, error);
}

std::wstring widen(const std::string& text) {
  const int n = MultiByteToWideChar(CP_UTF8, 0, text.c_str(), -1, nullptr, 0);
  std::wstring out(n > 0 ? static_cast<std::size_t>(n - 1) : 0, L'\0');
  MultiByteToWideChar(CP_UTF8, 0, text.c_str(), -1, out.data(), n);
  return out;
}

class FileMappingRegion final : public Region {
 public:
  FileMappingRegion(std::string path, HANDLE file, HANDLE mapping, void* view, std::uint64_t size)
      : path_(std::move(path)), file_(file), mapping_(mapping), view_(view), size_(size) {}
  ~FileMappingRegion() override {
    UnmapViewOfFile(view_);
    CloseHandle(mapping_);
    CloseHandle(file_);
  }
  std::span<std::byte> bytes() const override { return {static_cast<std::byte*>(view_), size_}; }
  std::string describe() const override {
    return fmt::format("{} ({} MiB file mapping)", path_, size_ >> 20);
  }

 private:
  std::string path_;
  HANDLE file_, mapping_;
  void* view_;
  std::uint64_t size_;
};

class IvshmemRegion final : public Region {
 public:
  IvshmemRegion(HANDLE device, void* memory, std::uint64_t size, std::string description)
      : device_(device), memory_(memory), size_(size), description_(std::move(description)) {}
  ~IvshmemRegion() override {
    DWORD returned = 0;
    DeviceIoControl(device_, kIoctlReleaseMmap, nullptr, 0, nullptr, 0, &returned, nullptr);
    CloseHandle(device_);
  }
  std::span<std::byte> bytes() const override { return {static_cast<std::byte*>(memory_), size_}; }
  std::string describe() const override { return description_; }

 private:
  HANDLE device_;
  void* memory_;
  std::uint64_t size_;
  std::string description_;
};

// SetupDi device list of the IVSHMEM interface; destroyed with the object.
class DeviceList {
 public:
  DeviceList()
      : set_(SetupDiGetClassDevsW(&kIvshmemInterface, nullptr, nullptr,
                                  DIGCF_PRESENT | DIGCF_DEVICEINTERFACE)) {}
  ~DeviceList() {
    if (set_ != INVALID_HANDLE_VALUE) SetupDiDestroyDeviceInfoList(set_);
  }
  DeviceList(const DeviceList&) = delete;
  DeviceList& operator=(const DeviceList&) = delete;
  HDEVINFO get() const { return set_; }

 private:
  HDEVINFO set_;
};

DWORD device_property(HDEVINFO set, SP_DEVINFO_DATA* info, DWORD property, DWORD fallback) {
  DWORD value = 0;
  if (!SetupDiGetDeviceRegistryPropertyW(set, info, property, nullptr, reinterpret_cast<BYTE*>(&value),
                                         sizeof(value), nullptr)) {
    return fallback;
  }
  return value;
}

// The device's interface path, opened for IOCTLs.
Result<HANDLE> open_device(HDEVINFO set, SP_DEVINFO_DATA* info) {
  SP_DEVICE_INTERFACE_DATA interface {};
  interface.cbSize = sizeof(interface);
  if (!SetupDiEnumDeviceInterfaces(set, info, &kIvshmemInterface, 0, &interface)) {
    return Error{"SetupDiEnumDeviceInterfaces: " + system_message(GetLastError())};
  }
  DWORD needed = 0;
  SetupDiGetDeviceInterfaceDetailW(set, &interface, nullptr, 0, &needed, nullptr);
  std::vector<std::byte> buffer(std::max<DWORD>(needed, sizeof(SP_DEVICE_INTERFACE_DETAIL_DATA_W)));
  auto* detail = reinterpret_cast<SP_DEVICE_INTERFACE_DETAIL_DATA_W*>(buffer.data());
  detail->cbSize = sizeof(SP_DEVICE_INTERFACE_DETAIL_DATA_W);
  if (!SetupDiGetDeviceInterfaceDetailW(set, &interface, detail, static_cast<DWORD>(buffer.size()), nullptr,
                                        nullptr)) {
    return Error{"SetupDiGetDeviceInterfaceDetail: " + system_message(GetLastError())};
  }
  HANDLE device = CreateFileW(detail->DevicePath, 0, 0, nullptr, OPEN_EXISTING, 0, nullptr);
  if (device == INVALID_HANDLE_VALUE)
    return Error{"opening the IVSHMEM device: " + system_message(GetLastError())};
  return device;
}

std::uint64_t request_size(HANDLE device) {
  std::uint64_t size = 0;
  DWORD returned = 0;
  if (!DeviceIoControl(device, kIoctlRequestSize, nullptr, 0, &size, sizeof(size), &returned, nullptr))
    return 0;
  return size;
}

}  // namespace

Result<std::unique_ptr<Region>> open_file(const std::string& path, const FileOptions& options) {
  const std::wstring wide = widen(path);
  HANDLE file =
      CreateFileW(wide.c_str(), GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, nullptr,
                  options.create ? OPEN_ALWAYS : OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr);
  if (file == INVALID_HANDLE_VALUE) {
    const DWORD error = GetLastError();
    const char* hint = (error == ERROR_FILE_NOT_FOUND || error == ERROR_PATH_NOT_FOUND)
                           ? ": the file must exist (the host creates it; under Wine use Z:\\dev\\shm\\NAME)"
                           : "";
    return Error{fmt::format("cannot open {}: {}{}", path, system_message(error), hint)};
  }
  LARGE_INTEGER size{};
  GetFileSizeEx(file, &size);
  if (size.QuadPart == 0 && options.create && options.size) {
    LARGE_INTEGER wanted{};
    wanted.QuadPart = static_cast<LONGLONG>(*options.size);
    if (!SetFilePointerEx(file, wanted, nullptr, FILE_BEGIN) || !SetEndOfFile(file)) {
      const DWORD error = GetLastError();
      CloseHandle(file);
      return Error{fmt::format("cannot grow {} to {} bytes: {}", path, *options.size, system_message(error))};
    }
    size = wanted;
  }
  if (size.QuadPart <= 0) {
    CloseHandle(file);
    return Error{fmt::format("{} is empty: give the region's size when creating it", path)};
  }
  HANDLE mapping = CreateFileMappingW(file, nullptr, PAGE_READWRITE, 0, 0, nullptr);
  if (!mapping) {
    const DWORD error = GetLastError();
    CloseHandle(file);
    return Error{fmt::format("CreateFileMapping of {}: {}", path, system_message(error))};
  }
  void* view = MapViewOfFile(mapping, FILE_MAP_ALL_ACCESS, 0, 0, 0);
  if (!view) {
    const DWORD error = GetLastError();
    CloseHandle(mapping);
    CloseHandle(file);
    return Error{fmt::format("MapViewOfFile of {}: {}", path, system_message(error))};
  }
  return std::unique_ptr<Region>(
      new FileMappingRegion(path, file, mapping, view, static_cast<std::uint64_t>(size.QuadPart)));
}

Result<std::unique_ptr<Region>> open_kvmfr(const std::string& path) {
  return Error{fmt::format("{}: the kvmfr device exists only on Linux; on Windows use --shm ivshmem", path)};
}

Result<std::unique_ptr<Region>> open_pci_bar(const std::optional<std::string>&, const std::string&) {
  return Error{"PCI BAR access through sysfs exists only on Linux; on Windows use --shm ivshmem"};
}

Result<std::unique_ptr<Region>> open_ivshmem(const IvshmemSelector& selector) {
  const DeviceList list;
  if (list.get() == INVALID_HANDLE_VALUE) {
    return Error{"SetupDiGetClassDevs for the IVSHMEM interface: " + system_message(GetLastError())};
  }
  std::vector<IvshmemDevice> devices;
  std::vector<SP_DEVINFO_DATA> infos;
  for (DWORD i = 0;; ++i) {
    SP_DEVINFO_DATA info{};
    info.cbSize = sizeof(info);
    if (!SetupDiEnumDeviceInfo(list.get(), i, &info)) break;  // ERROR_NO_MORE_ITEMS
    IvshmemDevice device;
    device.bus = device_property(list.get(), &info, SPDRP_BUSNUMBER, 0xFFFF);
    device.address = device_property(list.get(), &info, SPDRP_ADDRESS, 0xFFFFFFFF);
    device.enumeration_index = infos.size();
    if (selector.size) {  // sizes are needed only to choose by size
      if (auto handle = open_device(list.get(), &info)) {
        device.size = request_size(*handle);
        CloseHandle(*handle);
      }
    }
    devices.push_back(device);
    infos.push_back(info);
  }
  if (devices.empty()) {
    return Error{
        std::string(kNoIvshmemDeviceMessage) +
        ": install the virtio-win IVSHMEM driver (Device Manager > System devices > \"PCI standard RAM "
        "Controller\" > Update driver > the virtio-win ivshmem folder) and give the VM an ivshmem-plain "
        "device (see docs/windows.md); for tests, --shm takes a file path instead"};
  }
  sort_ivshmem_devices(devices);
  auto chosen = select_ivshmem_device(devices, selector);
  if (!chosen) return Error{chosen.error().message};
  const IvshmemDevice& device = devices[*chosen];

  auto handle = open_device(list.get(), &infos[device.enumeration_index]);
  if (!handle) return Error{handle.error().message};
  const std::uint64_t size = request_size(*handle);
  if (size == 0) {
    const DWORD error = GetLastError();
    CloseHandle(*handle);
    return Error{"IOCTL_IVSHMEM_REQUEST_SIZE failed: " + system_message(error) +
                 " (the device is not ready until the host has started QEMU with the memory backend)"};
  }
  const std::uint8_t cache_mode = kCacheWriteCombined;
  IvshmemMmap map{};
  DWORD returned = 0;
  if (!DeviceIoControl(*handle, kIoctlRequestMmap, const_cast<std::uint8_t*>(&cache_mode), sizeof(cache_mode),
                       &map, sizeof(map), &returned, nullptr) ||
      !map.ptr) {
    const DWORD error = GetLastError();
    CloseHandle(*handle);
    return Error{
        "IOCTL_IVSHMEM_REQUEST_MMAP failed: " + system_message(error) +
        (error == ERROR_BUSY || error == ERROR_ALREADY_ASSIGNED
             ? std::string(" (another program, e.g. a second agent or the Looking Glass host, has it mapped)")
             : std::string())};
  }
  IvshmemDevice described = device;
  described.size = size;
  return std::unique_ptr<Region>(new IvshmemRegion(
      *handle, map.ptr, size,
      fmt::format("IVSHMEM device #{} ({}, write-combined)", *chosen, describe_ivshmem_device(described))));
}

Result<std::unique_ptr<Region>> open_region(const std::string& spec) {
  if (is_ivshmem_spec(spec)) {
    auto selector = parse_ivshmem_spec(spec);
    if (!selector) return Error{selector.error().message};
    return open_ivshmem(*selector);
  }
  return open_file(spec);
}

}  // namespace kagami::shm
