#pragma once
// `kagami-setup libvirt DOMAIN`: read the domain (virsh dumpxml), edit it (libvirt_xml), show the
// diff, validate it (virt-xml-validate) and, only when asked, define it (virsh define).
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "common/result.h"
#include "setup/libvirt_xml.h"

namespace kagami::setup {

struct LibvirtRequest {
  std::string domain;
  std::string connect_uri;            // virsh -c; empty: virsh's default
  std::optional<std::string> input;   // read this XML file instead of `virsh dumpxml`
  std::optional<std::string> output;  // also write the edited XML here
  DomainWants wants;
  bool apply = false;
  // How the user chose the size ({"--for", "2560x1440", "--hdr"}, {"--size", "64M"}; empty: the
  // default), repeated in every command printed for the next step so it does the same thing.
  std::vector<std::string> size_args;
};

// The command that applies what a run without --apply showed: the same domain, connection,
// region, size and input, plus --apply.
std::string apply_command(const LibvirtRequest& request);

// The domain's persistent XML through virsh.
Result<std::string> virsh_dumpxml(const std::string& connect_uri, const std::string& domain);
// Validates `xml` against libvirt's domain schema; the error carries the validator's complaint.
Result<void> validate_domain_xml(const std::string& xml);

// Returns whether anything was (or, without --apply, would be) changed.
Result<bool> setup_libvirt(const LibvirtRequest& request, std::ostream& out);

}  // namespace kagami::setup
