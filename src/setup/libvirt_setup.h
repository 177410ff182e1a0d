#pragma once
// `kagami-setup libvirt DOMAIN`: read the domain (virsh dumpxml), edit it (libvirt_xml), show the
// diff, validate it (virt-xml-validate) and, only when asked, define it (virsh define).
#include <optional>
#include <ostream>
#include <string>

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
};

// The domain's persistent XML through virsh.
Result<std::string> virsh_dumpxml(const std::string& connect_uri, const std::string& domain);
// Validates `xml` against libvirt's domain schema; the error carries the validator's complaint.
Result<void> validate_domain_xml(const std::string& xml);

// Returns whether anything was (or, without --apply, would be) changed.
Result<bool> setup_libvirt(const LibvirtRequest& request, std::ostream& out);

}  // namespace kagami::setup
