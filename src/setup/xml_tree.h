#pragma once
// Small helpers over libxml2's tree API for the libvirt domain edits: attribute and text access,
// child lookup and creation, and serialisation (2-space indented, no XML declaration).
#include <libxml/tree.h>

#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace kagami::setup::xml {

using Doc = std::unique_ptr<xmlDoc, decltype(&xmlFreeDoc)>;

inline const xmlChar* x(const char* text) { return reinterpret_cast<const xmlChar*>(text); }

std::string attr(xmlNode* node, const char* name);  // "" when absent
std::string content(xmlNode* node);                 // the text inside
bool named(xmlNode* node, std::string_view name);   // an element with this local name
// The first child element called `name` whose attribute `key` equals `value` (any when key is null).
xmlNode* child(xmlNode* parent, std::string_view name, const char* key = nullptr,
               std::string_view value = {});
// Appends <name attrs...>text</name> to `parent` (in `ns` when given).
xmlNode* add(xmlNode* parent, const char* name,
             std::initializer_list<std::pair<const char*, std::string>> attrs, const char* text = nullptr,
             xmlNs* ns = nullptr);
std::string serialise(xmlDoc* doc);

}  // namespace kagami::setup::xml
