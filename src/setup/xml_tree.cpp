#include "setup/xml_tree.h"

namespace kagami::setup::xml {

std::string attr(xmlNode* node, const char* name) {
  xmlChar* value = xmlGetProp(node, x(name));
  if (!value) return {};
  std::string text(reinterpret_cast<const char*>(value));
  xmlFree(value);
  return text;
}

std::string content(xmlNode* node) {
  xmlChar* value = xmlNodeGetContent(node);
  if (!value) return {};
  std::string text(reinterpret_cast<const char*>(value));
  xmlFree(value);
  return text;
}

bool named(xmlNode* node, std::string_view name) {
  return node->type == XML_ELEMENT_NODE && name == reinterpret_cast<const char*>(node->name);
}

xmlNode* child(xmlNode* parent, std::string_view name, const char* key, std::string_view value) {
  for (xmlNode* node = parent->children; node; node = node->next) {
    if (named(node, name) && (!key || attr(node, key) == value)) return node;
  }
  return nullptr;
}

xmlNode* add(xmlNode* parent, const char* name,
             std::initializer_list<std::pair<const char*, std::string>> attrs, const char* text, xmlNs* ns) {
  xmlNode* node = xmlNewChild(parent, ns, x(name), text ? x(text) : nullptr);
  for (const auto& [key, value] : attrs) xmlSetProp(node, x(key), x(value.c_str()));
  return node;
}

std::string serialise(xmlDoc* doc) {
  xmlBuffer* buffer = xmlBufferCreate();
  xmlNodeDump(buffer, doc, xmlDocGetRootElement(doc), 0, 1);
  std::string text(reinterpret_cast<const char*>(xmlBufferContent(buffer)),
                   static_cast<std::size_t>(xmlBufferLength(buffer)));
  xmlBufferFree(buffer);
  return text + "\n";
}

}  // namespace kagami::setup::xml
