#include "protocol/kvmfr_udata.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

namespace kagami::protocol {

namespace {

void append(std::vector<std::byte>& out, const void* data, std::size_t size) {
  // resize + memcpy rather than insert: GCC 12 at -O3 warns falsely about insert here.
  const std::size_t at = out.size();
  out.resize(at + size);
  std::memcpy(out.data() + at, data, size);
}

// Copies at most `capacity - 1` characters and zero-fills the rest (a C string in a fixed field).
template <std::size_t N>
void copy_fixed(char (&field)[N], const std::string& text) {
  std::memset(field, 0, N);
  std::memcpy(field, text.data(), std::min(text.size(), N - 1));
}

void append_record(std::vector<std::byte>& out, KvmfrRecordType type, const std::vector<std::byte>& payload) {
  KvmfrRecordHeader header{};
  header.type = static_cast<std::uint8_t>(type);
  header.size = static_cast<std::uint32_t>(payload.size());
  append(out, &header, sizeof header);
  append(out, payload.data(), payload.size());
}

// A string from a fixed field or a record tail: up to the first NUL, never past `size`.
std::string bounded_string(const std::byte* data, std::size_t size) {
  const auto* chars = reinterpret_cast<const char*>(data);
  return std::string(chars, strnlen(chars, size));
}

bool has_nul(const std::byte* data, std::size_t size) {
  return std::memchr(data, 0, size) != nullptr;
}

const char* release_of(std::uint32_t kvmfr_version) {
  switch (kvmfr_version) {
    case 20: return "Looking Glass B7";
    case 19: return "Looking Glass B6";
    default: return nullptr;
  }
}

}  // namespace

const char* os_name(std::uint8_t os) {
  switch (static_cast<KvmfrOs>(os)) {
    case KvmfrOs::linux: return "Linux";
    case KvmfrOs::bsd: return "BSD";
    case KvmfrOs::osx: return "macOS";
    case KvmfrOs::windows: return "Windows";
    case KvmfrOs::other: return "Other";
  }
  return "Unknown";
}

std::vector<std::byte> build_udata(const GuestInfo& info) {
  std::vector<std::byte> out;
  KvmfrHeader header{};
  std::memcpy(header.magic, kKvmfrMagic, sizeof header.magic);
  header.version = kKvmfrVersion;
  copy_fixed(header.hostver, info.host_version);
  header.features = info.features;
  append(out, &header, sizeof header);

  if (info.vm) {
    KvmfrVmInfo vm{};
    std::memcpy(vm.uuid, info.vm->uuid.data(), sizeof vm.uuid);
    copy_fixed(vm.capture, info.vm->capture);
    vm.cpus = info.vm->cpus;
    vm.cores = info.vm->cores;
    vm.sockets = info.vm->sockets;
    std::vector<std::byte> payload;
    append(payload, &vm, sizeof vm);
    append(payload, info.vm->model.c_str(), info.vm->model.size() + 1);
    append_record(out, KvmfrRecordType::vm_info, payload);
  }
  if (info.os) {
    std::vector<std::byte> payload;
    append(payload, &info.os->os, 1);
    append(payload, info.os->name.c_str(), info.os->name.size() + 1);
    append_record(out, KvmfrRecordType::os_info, payload);
  }
  if (info.output) append_record(out, KvmfrRecordType::kagami_output, encode_output(*info.output));
  return out;
}

Result<GuestInfo> parse_udata(std::span<const std::byte> udata) {
  // Copy once: the agent may rewrite the region while we parse (untrusted-input.md rule a).
  const std::vector<std::byte> copy(udata.begin(), udata.end());
  if (copy.size() < sizeof(KvmfrHeader))
    return Error{fmt::format("the agent's header is {} bytes, too short for KVMFR ({} bytes): this is "
                             "not a Looking Glass or kagami agent", copy.size(), sizeof(KvmfrHeader))};
  KvmfrHeader header;
  std::memcpy(&header, copy.data(), sizeof header);
  if (std::memcmp(header.magic, kKvmfrMagic, sizeof header.magic) != 0)
    return Error{"the region holds LGMP but not KVMFR: it belongs to another program, not a Looking "
                 "Glass or kagami agent"};
  GuestInfo info;
  info.host_version = bounded_string(reinterpret_cast<const std::byte*>(header.hostver), sizeof header.hostver);
  if (header.version != kKvmfrVersion) {
    const char* theirs = release_of(header.version);
    return Error{fmt::format("the agent speaks KVMFR {}{} (version \"{}\"); kagami speaks KVMFR {} "
                             "(Looking Glass B7): install a matching agent in the guest",
                             header.version, theirs ? fmt::format(" ({})", theirs) : std::string(),
                             info.host_version, kKvmfrVersion)};
  }
  info.features = header.features;

  std::size_t pos = sizeof header;
  while (copy.size() - pos >= sizeof(KvmfrRecordHeader)) {
    KvmfrRecordHeader record;
    std::memcpy(&record, copy.data() + pos, sizeof record);
    pos += sizeof record;
    if (record.size > copy.size() - pos) {
      info.warnings.push_back(fmt::format("record type {} claims {} bytes but only {} remain; ignored the rest",
                                          record.type, record.size, copy.size() - pos));
      break;
    }
    const std::byte* payload = copy.data() + pos;
    pos += record.size;
    switch (static_cast<KvmfrRecordType>(record.type)) {
      case KvmfrRecordType::vm_info: {
        if (record.size < sizeof(KvmfrVmInfo) + 1 ||
            !has_nul(payload + sizeof(KvmfrVmInfo), record.size - sizeof(KvmfrVmInfo))) {
          info.warnings.push_back(fmt::format("malformed VM info record ({} bytes); ignored", record.size));
          break;
        }
        KvmfrVmInfo vm;
        std::memcpy(&vm, payload, sizeof vm);
        VmInfo out;
        std::memcpy(out.uuid.data(), vm.uuid, sizeof vm.uuid);
        out.capture = bounded_string(payload + offsetof(KvmfrVmInfo, capture), sizeof vm.capture);
        out.cpus = vm.cpus;
        out.cores = vm.cores;
        out.sockets = vm.sockets;
        out.model = bounded_string(payload + sizeof vm, record.size - sizeof vm);
        info.vm = std::move(out);
        break;
      }
      case KvmfrRecordType::os_info: {
        if (record.size < 2 || !has_nul(payload + 1, record.size - 1)) {
          info.warnings.push_back(fmt::format("malformed OS info record ({} bytes); ignored", record.size));
          break;
        }
        OsInfo out;
        out.os = static_cast<std::uint8_t>(payload[0]);
        out.name = bounded_string(payload + 1, record.size - 1);
        info.os = std::move(out);
        break;
      }
      case KvmfrRecordType::kagami_output: {
        auto output = parse_output({payload, record.size});
        if (!output) {
          info.warnings.push_back(output.error().message + "; ignored");
        } else if (info.output) {
          info.warnings.push_back("a second output record; ignored");
        } else {
          info.output = std::move(*output);
        }
        break;
      }
      default:
        break;  // unknown record types are skipped, as B7 does
    }
  }
  return info;
}

}  // namespace kagami::protocol
