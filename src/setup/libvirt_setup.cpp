#include "setup/libvirt_setup.h"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "setup/command.h"
#include "setup/libvirt_kvmfr.h"
#include "setup/outputs.h"
#include "setup/temp_file.h"
#include "setup/unified_diff.h"

namespace kagami::setup {
namespace {

std::vector<std::string> virsh(const std::string& connect_uri, std::initializer_list<std::string> args) {
  std::vector<std::string> argv{"virsh"};
  if (!connect_uri.empty()) argv.insert(argv.end(), {"-c", connect_uri});
  argv.insert(argv.end(), args);
  return argv;
}

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Error{fmt::format("cannot read {}", path)};
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

constexpr const char* kDefaultShmemName = "looking-glass";

// --shm as the user gave it, when it is not the default.
std::vector<std::string> shm_args(const DomainWants& wants) {
  if (!wants.kvmfr_device.empty()) return {"--shm", wants.kvmfr_device};
  if (wants.shmem_name != kDefaultShmemName) return {"--shm", "/dev/shm/" + wants.shmem_name};
  return {};
}

std::string region_path(const DomainWants& wants) {
  return wants.kvmfr_device.empty() ? "/dev/shm/" + wants.shmem_name : wants.kvmfr_device;
}

// `sudo kagami-setup shm --path P <size>`: the region the domain now expects (output `index`'s),
// owned by the user.
std::string shm_command(const LibvirtRequest& request, unsigned index = 0) {
  std::vector<std::string> argv{"sudo", "kagami-setup", "shm", "--path",
                                output_region(region_path(request.wants), index)};
  argv.insert(argv.end(), request.size_args.begin(), request.size_args.end());
  return shell_quote(argv);
}

}  // namespace

std::string apply_command(const LibvirtRequest& request) {
  std::vector<std::string> argv{"kagami-setup", "libvirt", request.domain};
  if (!request.connect_uri.empty()) argv.insert(argv.end(), {"--connect", request.connect_uri});
  auto shm = shm_args(request.wants);
  argv.insert(argv.end(), shm.begin(), shm.end());
  argv.insert(argv.end(), request.size_args.begin(), request.size_args.end());
  if (request.size_args.empty() && request.wants.shmem_bytes != DomainWants{}.shmem_bytes) {
    argv.insert(argv.end(), {"--size", fmt::format("{}M", request.wants.shmem_bytes / (1024 * 1024))});
  }
  if (request.wants.gpu_only) argv.push_back("--gpu-only");
  if (request.wants.outputs > 1)
    argv.insert(argv.end(), {"--outputs", std::to_string(request.wants.outputs)});
  if (request.input) argv.insert(argv.end(), {"--xml", *request.input});
  argv.push_back("--apply");
  return shell_quote(argv);
}

Result<std::string> virsh_dumpxml(const std::string& connect_uri, const std::string& domain) {
  if (!find_program("virsh")) return Error{"virsh is not installed: `sudo apt install libvirt-clients`"};
  auto argv = virsh(connect_uri, {"dumpxml", "--inactive", domain});
  auto result = run_command(argv);
  if (!result) return result.error();
  if (result->exit_status != 0) {
    return Error{fmt::format("`{}` failed: {}", shell_quote(argv), result->err)};
  }
  return result->out;
}

Result<void> validate_domain_xml(const std::string& xml) {
  if (!find_program("virt-xml-validate")) {
    return Error{"virt-xml-validate is not installed: `sudo apt install libvirt-clients`"};
  }
  auto file = TempFile::create("domain", ".xml", xml);
  if (!file) return file.error();
  auto result = run_command({"virt-xml-validate", file->path(), "domain"});
  if (!result) return result.error();
  if (result->exit_status != 0) {
    return Error{fmt::format("the domain XML does not validate against libvirt's schema:\n{}{}", result->out,
                             result->err)};
  }
  return {};
}

Result<bool> setup_libvirt(const LibvirtRequest& request, std::ostream& out) {
  auto xml = request.input ? read_file(*request.input) : virsh_dumpxml(request.connect_uri, request.domain);
  if (!xml) return xml.error();
  auto edit = edit_domain_xml(*xml, request.wants);
  if (!edit) return edit.error();
  if (request.output) {
    std::ofstream file(*request.output, std::ios::trunc);
    file << edit->edited;
    if (!file) return Error{fmt::format("cannot write {}", *request.output)};
  }
  for (const auto& warning : edit->warnings) out << "Warning: " << warning << "\n";
  if (edit->changes.empty()) {
    out << fmt::format("{} already has everything kagami needs.\n", request.domain);
    return false;
  }
  out << fmt::format("{} needs:\n", request.domain);
  for (const auto& change : edit->changes) out << "  - " << change << "\n";
  auto diff =
      unified_diff(edit->original, edit->edited, request.domain + " (now)", request.domain + " (kagami)");
  if (!diff) return diff.error();
  out << "\n" << *diff << "\n";

  if (auto valid = validate_domain_xml(edit->edited); !valid) return valid.error();
  out << "virt-xml-validate: the new XML is a valid libvirt domain.\n";
  if (!request.apply) {
    if (!request.wants.kvmfr_device.empty()) out << kvmfr_libvirt_access_lines(request.wants.kvmfr_device);
    out << fmt::format("Nothing was changed. Apply it with: {}\n", apply_command(request));
    return true;
  }
  auto file = TempFile::create("domain", ".xml", edit->edited);
  if (!file) return file.error();
  auto argv = virsh(request.connect_uri, {"define", file->path()});
  auto result = run_command(argv);
  if (!result) return result.error();
  if (result->exit_status != 0) return Error{fmt::format("`{}` failed: {}", shell_quote(argv), result->err)};
  out << fmt::format(
      "Defined. The changes take effect when the VM next starts (`virsh shutdown {0}`, then `virsh start "
      "{0}`).\n",
      request.domain);
  if (request.wants.kvmfr_device.empty()) {
    for (unsigned i = 0; i < request.wants.outputs; ++i) {
      out << fmt::format(
          "libvirt creates /dev/shm/{} as QEMU's user: run `{}` so kagami-client may open it too.\n",
          output_region(request.wants.shmem_name, i), shm_command(request, i));
    }
  } else {
    out << kvmfr_libvirt_access_lines(request.wants.kvmfr_device);
  }
  return true;
}

}  // namespace kagami::setup
