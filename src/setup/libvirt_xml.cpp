#include "setup/libvirt_xml.h"

#include <fmt/format.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include <charconv>
#include <memory>
#include <string_view>

#include "setup/libvirt_kvmfr.h"
#include "setup/outputs.h"
#include "setup/size.h"
#include "setup/xml_tree.h"

namespace kagami::setup {
namespace {

using namespace xml;

bool is_loopback(std::string_view address) {
  return address.starts_with("127.") || address == "::1" || address == "localhost";
}

void want_shmem(xmlNode* devices, const DomainWants& wants, std::vector<std::string>& changes) {
  std::string mib = std::to_string(wants.shmem_bytes / kMiB);
  xmlNode* shmem = child(devices, "shmem", "name", wants.shmem_name);
  if (!shmem) {
    shmem = add(devices, "shmem", {{"name", wants.shmem_name}});
    add(shmem, "model", {{"type", "ivshmem-plain"}});
    add(shmem, "size", {{"unit", "M"}}, mib.c_str());
    changes.push_back(fmt::format("add <shmem name='{}'> ivshmem-plain, {} MiB (backed by /dev/shm/{})",
                                  wants.shmem_name, mib, wants.shmem_name));
    return;
  }
  xmlNode* model = child(shmem, "model");
  if (!model) {
    add(shmem, "model", {{"type", "ivshmem-plain"}});
    changes.push_back(fmt::format("give <shmem name='{}'> the model ivshmem-plain", wants.shmem_name));
  } else if (attr(model, "type") != "ivshmem-plain") {
    changes.push_back(fmt::format("change <shmem name='{}'> model from {} to ivshmem-plain", wants.shmem_name,
                                  attr(model, "type")));
    xmlSetProp(model, x("type"), x("ivshmem-plain"));
  }
  xmlNode* size = child(shmem, "size");
  if (!size) {
    add(shmem, "size", {{"unit", "M"}}, mib.c_str());
    changes.push_back(fmt::format("give <shmem name='{}'> a size of {} MiB", wants.shmem_name, mib));
    return;
  }
  auto bytes = libvirt_scaled_bytes(content(size), attr(size, "unit"));
  if (!bytes || *bytes != wants.shmem_bytes) {
    changes.push_back(fmt::format("change <shmem name='{}'> size from {}{} to {} MiB", wants.shmem_name,
                                  content(size), attr(size, "unit"), mib));
    xmlNodeSetContent(size, x(mib.c_str()));
    xmlSetProp(size, x("unit"), x("M"));
  }
}

void want_spice(xmlNode* devices, std::vector<std::string>& changes) {
  xmlNode* graphics = child(devices, "graphics", "type", "spice");
  if (!graphics) {
    graphics = add(devices, "graphics", {{"type", "spice"}, {"autoport", "yes"}});
    add(graphics, "listen", {{"type", "address"}, {"address", "127.0.0.1"}});
    changes.push_back(
        "add SPICE graphics listening on 127.0.0.1 only (input, clipboard and audio for kagami-client)");
    return;
  }
  xmlNode* listen = child(graphics, "listen");
  std::string type = listen ? attr(listen, "type") : "";
  if (type == "socket" || type == "none") return;  // a local socket, or SPICE without network: both private
  std::string address = listen ? attr(listen, "address") : attr(graphics, "listen");
  if (is_loopback(address)) return;
  changes.push_back(
      fmt::format("make SPICE listen on 127.0.0.1 instead of {}", address.empty() ? "the default" : address));
  if (xmlHasProp(graphics, x("listen"))) xmlSetProp(graphics, x("listen"), x("127.0.0.1"));
  if (listen) {
    xmlUnlinkNode(listen);
    xmlFreeNode(listen);
  }
  add(graphics, "listen", {{"type", "address"}, {"address", "127.0.0.1"}});
}

// kagami's way: a tablet. Looking Glass's way (--gpu-only): no tablet, no emulated display.
void want_pointer_and_display(xmlNode* devices, const DomainWants& wants, std::vector<std::string>& changes) {
  if (!wants.gpu_only) {
    if (!child(devices, "input", "type", "tablet")) {
      add(devices, "input", {{"type", "tablet"}, {"bus", "usb"}});
      changes.push_back(
          "add a USB tablet: an exact absolute pointer, so the guest's cursor lands where the client's is "
          "without capturing the mouse (Looking Glass removes it and captures instead: --gpu-only)");
    }
    return;
  }
  while (xmlNode* tablet = child(devices, "input", "type", "tablet")) {
    xmlUnlinkNode(tablet);
    xmlFreeNode(tablet);
    changes.push_back("remove the USB tablet (--gpu-only: the mouse goes relative through SPICE, captured)");
  }
  bool has_video = false;
  for (xmlNode* node = devices->children; node; node = node->next) {
    if (!named(node, "video")) continue;
    has_video = true;
    xmlNode* model = child(node, "model");
    if (model && attr(model, "type") == "none") continue;
    std::string was = model ? attr(model, "type") : "the default";
    if (!model) model = add(node, "model", {});
    for (const char* extra : {"vram", "ram", "vgamem", "heads", "primary"}) xmlUnsetProp(model, x(extra));
    for (xmlNode* c = model->children; c;) {  // <acceleration> and the like belong to a real model
      xmlNode* next = c->next;
      xmlUnlinkNode(c);
      xmlFreeNode(c);
      c = next;
    }
    xmlSetProp(model, x("type"), x("none"));
    changes.push_back(fmt::format(
        "change the emulated display ({}) to <model type='none'/>: the passed-through GPU is the only one",
        was));
  }
  if (!has_video) {
    xmlNode* video = add(devices, "video", {});
    add(video, "model", {{"type", "none"}});
    changes.push_back(
        "add <video><model type='none'/></video> (otherwise libvirt adds an emulated display for SPICE)");
  }
}

// An emulated display next to a passed-through device: Windows may make it the primary display,
// and the agent captures the primary one.
void warn_about_primary_display(xmlNode* devices, const DomainWants& wants,
                                std::vector<std::string>& warnings) {
  if (wants.gpu_only) return;
  bool passthrough = false;
  for (xmlNode* node = devices->children; node; node = node->next) {
    if (named(node, "hostdev") && attr(node, "type") == "pci") passthrough = true;
  }
  if (!passthrough) return;
  std::string emulated;
  bool has_video = false;
  for (xmlNode* node = devices->children; node; node = node->next) {
    if (!named(node, "video")) continue;
    has_video = true;
    xmlNode* model = child(node, "model");
    std::string type = model ? attr(model, "type") : "";
    if (type != "none") emulated = type.empty() ? "the default" : type;
  }
  if (has_video && emulated.empty()) return;
  warnings.push_back(fmt::format(
      "the domain passes a PCI device through and has an emulated display too ({}): the guest may make "
      "the emulated one its primary display, and the agent captures the primary one. In the guest make "
      "the GPU's screen the main display (docs/setup.md, step 4), or run again with --gpu-only "
      "(Looking Glass's way: <video><model type='none'/>, no tablet)",
      has_video ? emulated : "libvirt adds one for SPICE when there is no <video>"));
}

void want_input_audio_agent(xmlNode* devices, const DomainWants& wants, std::vector<std::string>& changes) {
  want_pointer_and_display(devices, wants, changes);
  if (!child(devices, "sound")) {
    add(devices, "sound", {{"model", "ich9"}});
    changes.push_back("add an ich9 sound card (audio through SPICE)");
  }
  if (!child(devices, "audio")) {
    add(devices, "audio", {{"id", "1"}, {"type", "spice"}});
    changes.push_back("add a SPICE audio backend");
  }
  bool has_agent = false;
  for (xmlNode* node = devices->children; node; node = node->next) {
    if (named(node, "channel") && attr(node, "type") == "spicevmc") has_agent = true;
  }
  if (!has_agent) {
    xmlNode* channel = add(devices, "channel", {{"type", "spicevmc"}});
    add(channel, "target", {{"type", "virtio"}, {"name", "com.redhat.spice.0"}});
    changes.push_back("add the spicevmc vdagent channel (clipboard sharing)");
  }
}

}  // namespace

Result<std::uint64_t> libvirt_scaled_bytes(const std::string& value, const std::string& unit) {
  std::uint64_t number = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
  if (ec != std::errc{} || end != value.data() + value.size()) {
    return Error{fmt::format("'{}' is not a libvirt size", value)};
  }
  struct Unit {
    std::string_view name;
    std::uint64_t scale;
  };
  static constexpr Unit kUnits[] = {
      {"", 1},         {"b", 1},           {"bytes", 1},         {"k", 1024},
      {"KiB", 1024},   {"KB", 1000},       {"M", kMiB},          {"MiB", kMiB},
      {"MB", 1000000}, {"G", 1024 * kMiB}, {"GiB", 1024 * kMiB}, {"GB", 1000000000}};
  for (const auto& u : kUnits) {
    if (u.name == unit) return number * u.scale;
  }
  return Error{fmt::format("unknown libvirt size unit '{}'", unit)};
}

Result<DomainEdit> edit_domain_xml(const std::string& xml, const DomainWants& wants) {
  xml::Doc doc(xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "domain.xml", nullptr,
                             XML_PARSE_NOBLANKS | XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING),
               &xmlFreeDoc);
  if (!doc) {
    const xmlError* error = xmlGetLastError();
    return Error{
        fmt::format("the domain XML does not parse: {}", error && error->message ? error->message : "?")};
  }
  xmlNode* root = xmlDocGetRootElement(doc.get());
  if (!root || !named(root, "domain")) return Error{"the XML is not a libvirt <domain>"};
  if (wants.shmem_bytes < kMiB || wants.shmem_bytes % kMiB != 0) {
    return Error{"libvirt's <shmem> size must be a whole number of MiB, at least 1"};
  }

  DomainEdit edit;
  edit.original = serialise(doc.get());
  xmlNode* devices = child(root, "devices");
  if (!devices) devices = add(root, "devices", {});
  if (wants.outputs < 1 || wants.outputs > kMaxOutputs)
    return Error{fmt::format("--outputs {}: between 1 and {}", wants.outputs, kMaxOutputs)};
  if (wants.outputs > 1 && !wants.kvmfr_device.empty())
    return Error{"--outputs with /dev/kvmfrN is not supported yet: use /dev/shm regions for several outputs"};
  if (wants.kvmfr_device.empty()) {
    for (unsigned i = 0; i < wants.outputs; ++i) {
      DomainWants one = wants;
      one.shmem_name = output_region(wants.shmem_name, i);
      want_shmem(devices, one, edit.changes);
    }
  } else {
    want_kvmfr_commandline(root, wants.kvmfr_device, wants.shmem_bytes, edit.changes);
  }
  want_spice(devices, edit.changes);
  want_input_audio_agent(devices, wants, edit.changes);
  warn_about_primary_display(devices, wants, edit.warnings);
  edit.edited = serialise(doc.get());
  return edit;
}

}  // namespace kagami::setup
