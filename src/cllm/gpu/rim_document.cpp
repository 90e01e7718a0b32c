#include "cllm/gpu/rim_document.hpp"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include <algorithm>
#include <charconv>
#include <mutex>
#include <string_view>
#include <utility>

#include "cllm/common/hex.hpp"
#include "cllm/common/printable.hpp"

namespace cllm::gpu {
namespace {

Error rim_error(std::string message) {
  return make_error(ErrorCode::kParse, "RIM: " + std::move(message));
}

// libxml2 messages quote pieces of the input: keep them printable and short in our errors.
std::string printable(std::string_view text, std::size_t max = 160) {
  std::string out = printable_ascii(text, max);
  while (!out.empty() && (out.back() == '?' || out.back() == ' '))  // libxml2's trailing "\n"
    out.pop_back();
  return out;
}

void silent_generic_error(void*, const char*, ...) {}

void init_libxml() {
  static std::once_flag once;
  std::call_once(once, [] { xmlInitParser(); });
  // libxml2 keeps its generic error handler per thread: without this a few of its messages
  // (outside the parser context's NOERROR option) would go to stderr.
  thread_local bool silenced = false;
  if (!silenced) {
    xmlSetGenericErrorFunc(nullptr, &silent_generic_error);
    silenced = true;
  }
}

struct ParseState {
  bool saw_doctype = false;
};

// SAX hook called as soon as "<!DOCTYPE name ...>" is read, before any internal subset:
// stopping here means no entity is ever declared, so none can be expanded or fetched.
void reject_doctype(void* ctx, const xmlChar*, const xmlChar*, const xmlChar*) {
  auto* ctxt = static_cast<xmlParserCtxtPtr>(ctx);
  if (ctxt->_private != nullptr) static_cast<ParseState*>(ctxt->_private)->saw_doctype = true;
  xmlStopParser(ctxt);
}

struct ParserCtxtDeleter {
  void operator()(xmlParserCtxt* ctxt) const { xmlFreeParserCtxt(ctxt); }
};

std::string_view as_sv(const xmlChar* s) {
  return s == nullptr ? std::string_view() : std::string_view(reinterpret_cast<const char*>(s));
}

bool in_namespace(const xmlNode* node, std::string_view ns) {
  return node->ns != nullptr && as_sv(node->ns->href) == ns;
}

bool is_element(const xmlNode* node, std::string_view ns, std::string_view local) {
  return node->type == XML_ELEMENT_NODE && as_sv(node->name) == local && in_namespace(node, ns);
}

// The value of the attribute `name` in namespace `ns` (nullptr: no namespace). Two attributes
// of that name (possible with two prefixes bound to one namespace) are an error.
Result<std::optional<std::string>> attribute(const xmlNode* node, std::string_view name,
                                             const char* ns, std::string_view element) {
  std::optional<std::string> value;
  for (const xmlAttr* a = node->properties; a != nullptr; a = a->next) {
    if (as_sv(a->name) != name) continue;
    const bool ns_matches =
        ns == nullptr ? a->ns == nullptr : (a->ns != nullptr && as_sv(a->ns->href) == ns);
    if (!ns_matches) continue;
    if (value) {
      return rim_error(std::string(element) + " has attribute " + std::string(name) + " twice");
    }
    xmlChar* text = xmlNodeGetContent(reinterpret_cast<const xmlNode*>(a));
    value = std::string(as_sv(text));
    xmlFree(text);
  }
  return value;
}

Result<std::string> required_attribute(const xmlNode* node, std::string_view name, const char* ns,
                                       std::string_view element) {
  CLLM_ASSIGN_OR_RETURN(auto value, attribute(node, name, ns, element));
  if (!value || value->empty()) {
    return rim_error(std::string(element) + " lacks attribute " + std::string(name));
  }
  return std::move(*value);
}

// Plain decimal digits (no sign, no space), at most max.
Result<std::uint32_t> parse_decimal(std::string_view text, std::uint32_t max,
                                    std::string_view what) {
  if (text.empty() || text.size() > 10 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return rim_error(std::string(what) + " is not a decimal number: \"" + printable(text, 16) +
                     "\"");
  }
  std::uint64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  if (value > max) {
    return rim_error(std::string(what) + " " + std::string(text) + " exceeds " +
                     std::to_string(max));
  }
  return static_cast<std::uint32_t>(value);
}

Result<bool> parse_bool(std::string_view text, std::string_view what) {
  // NVIDIA writes Python's "True"/"False"; xsd:boolean spells "true"/"false"/"1"/"0".
  if (text == "True" || text == "true" || text == "1") return true;
  if (text == "False" || text == "false" || text == "0") return false;
  return rim_error(std::string(what) + " is not a boolean: \"" + printable(text, 16) + "\"");
}

Status check_depth(const xmlNode* root) {
  // Iterative walk: the tree itself may be as deep as libxml2 allows (256), our stack is not.
  std::vector<std::pair<const xmlNode*, std::size_t>> stack{{root, 1}};
  while (!stack.empty()) {
    auto [node, depth] = stack.back();
    stack.pop_back();
    if (depth > kMaxRimDepth) {
      return make_error(ErrorCode::kLimit,
                        "RIM: XML nesting deeper than " + std::to_string(kMaxRimDepth));
    }
    for (const xmlNode* c = node->children; c != nullptr; c = c->next) {
      if (c->type == XML_ELEMENT_NODE) stack.emplace_back(c, depth + 1);
    }
  }
  return ok_status();
}

Result<RimMeasurement> parse_measurement(const xmlNode* node) {
  RimMeasurement m;
  CLLM_ASSIGN_OR_RETURN(auto index_text, required_attribute(node, "index", nullptr, "Resource"));
  CLLM_ASSIGN_OR_RETURN(m.index,
                        parse_decimal(index_text, kMaxRimMeasurementIndex, "Resource index"));
  const std::string where = "Resource index " + std::to_string(m.index);
  CLLM_ASSIGN_OR_RETURN(auto active_text, required_attribute(node, "active", nullptr, where));
  CLLM_ASSIGN_OR_RETURN(m.active, parse_bool(active_text, where + " active"));
  CLLM_ASSIGN_OR_RETURN(auto alternatives_text,
                        required_attribute(node, "alternatives", nullptr, where));
  CLLM_ASSIGN_OR_RETURN(auto alternatives, parse_decimal(alternatives_text, kMaxRimAlternatives,
                                                         where + " alternatives"));
  if (alternatives == 0) return rim_error(where + " alternatives is 0");
  CLLM_ASSIGN_OR_RETURN(auto size_text, required_attribute(node, "size", nullptr, where));
  CLLM_ASSIGN_OR_RETURN(m.size, parse_decimal(size_text, 1024, where + " size"));
  if (m.size != 48) {
    return rim_error(where + " size " + std::to_string(m.size) + " is not 48 (SHA-384)");
  }
  CLLM_ASSIGN_OR_RETURN(auto name, attribute(node, "name", nullptr, where));
  m.name = name.value_or("");

  // HashK attributes in the sha384 namespace: exactly Hash0..Hash{alternatives-1}.
  m.alternatives.resize(alternatives);
  std::vector<bool> seen(alternatives, false);
  for (const xmlAttr* a = node->properties; a != nullptr; a = a->next) {
    if (a->ns == nullptr || as_sv(a->ns->href) != kSha384Namespace) continue;
    const std::string_view attr_name = as_sv(a->name);
    if (attr_name.substr(0, 4) != "Hash") {
      return rim_error(where + " has unknown sha384 attribute " + printable(attr_name, 32));
    }
    auto k = parse_decimal(attr_name.substr(4), kMaxRimAlternatives,
                           where + " " + printable(attr_name, 32));
    if (!k.ok()) return std::move(k).error();
    if (*k >= alternatives) {
      return rim_error(where + " has Hash" + std::to_string(*k) +
                       " but alternatives=" + std::to_string(alternatives));
    }
    if (seen[*k]) return rim_error(where + " has Hash" + std::to_string(*k) + " twice");
    seen[*k] = true;
    xmlChar* text = xmlNodeGetContent(reinterpret_cast<const xmlNode*>(a));
    const std::string value(as_sv(text));
    xmlFree(text);
    if (value.size() != 2 * static_cast<std::size_t>(m.size)) {
      return rim_error(where + " Hash" + std::to_string(*k) + " is not " +
                       std::to_string(2 * m.size) + " hex characters");
    }
    auto bytes = from_hex(value);
    if (!bytes.ok()) return rim_error(where + " Hash" + std::to_string(*k) + " is not hex");
    m.alternatives[*k] = std::move(bytes).value();
  }
  for (std::uint32_t k = 0; k < alternatives; ++k) {
    if (!seen[k]) {
      return rim_error(where + " lacks Hash" + std::to_string(k) +
                       " (alternatives=" + std::to_string(alternatives) + ")");
    }
  }
  return m;
}

}  // namespace

const RimMeasurement* RimDocument::find(std::uint32_t index) const {
  auto it = std::lower_bound(measurements.begin(), measurements.end(), index,
                             [](const RimMeasurement& m, std::uint32_t i) { return m.index < i; });
  return it != measurements.end() && it->index == index ? &*it : nullptr;
}

namespace detail {

void XmlDocDeleter::operator()(_xmlDoc* doc) const {
  xmlFreeDoc(doc);
}

Result<XmlDocPtr> parse_xml_bounded(ByteView xml, std::size_t max_size) {
  if (xml.size() > max_size) {
    return make_error(ErrorCode::kLimit, "RIM: XML is " + std::to_string(xml.size()) +
                                             " bytes, over the limit of " +
                                             std::to_string(max_size));
  }
  if (xml.empty()) return rim_error("XML is empty");
  init_libxml();
  std::unique_ptr<xmlParserCtxt, ParserCtxtDeleter> ctxt(xmlNewParserCtxt());
  if (!ctxt || ctxt->sax == nullptr) {
    return make_error(ErrorCode::kInternal, "RIM: xmlNewParserCtxt failed");
  }
  ParseState state;
  ctxt->_private = &state;
  ctxt->sax->internalSubset = &reject_doctype;
  // NONET: never fetch anything. No NOENT (entities are not substituted), no DTDLOAD/DTDATTR
  // (no external DTD, no defaulted attributes), no XINCLUDE, no HUGE (libxml2 keeps its own
  // limits on names, text and depth). NOERROR/NOWARNING: errors go to our Error, not stderr.
  const int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;
  XmlDocPtr doc(xmlCtxtReadMemory(ctxt.get(), reinterpret_cast<const char*>(xml.data()),
                                  static_cast<int>(xml.size()), nullptr, nullptr, options));
  if (state.saw_doctype) return rim_error("a DOCTYPE is not allowed");
  if (!doc || ctxt->wellFormed == 0) {
    const xmlError* err = xmlCtxtGetLastError(ctxt.get());
    std::string detail = err != nullptr && err->message != nullptr
                             ? printable(err->message) + " (line " + std::to_string(err->line) + ")"
                             : std::string("unknown error");
    return rim_error("XML is not well-formed: " + detail);
  }
  if (doc->intSubset != nullptr || doc->extSubset != nullptr) {
    return rim_error("a DOCTYPE is not allowed");
  }
  const xmlNode* root = xmlDocGetRootElement(doc.get());
  if (root == nullptr) return rim_error("XML has no root element");
  CLLM_TRY(check_depth(root));
  return doc;
}

Result<RimDocument> extract_rim_document(const _xmlDoc& doc) {
  const xmlNode* root = xmlDocGetRootElement(const_cast<xmlDoc*>(&doc));
  if (root == nullptr || !is_element(root, kSwidNamespace, "SoftwareIdentity")) {
    return rim_error("root element is not SoftwareIdentity in the ISO 19770-2:2015 namespace");
  }
  RimDocument rim;
  CLLM_ASSIGN_OR_RETURN(rim.tag_id, required_attribute(root, "tagId", nullptr, "SoftwareIdentity"));
  CLLM_ASSIGN_OR_RETURN(rim.name, required_attribute(root, "name", nullptr, "SoftwareIdentity"));
  CLLM_ASSIGN_OR_RETURN(auto version, attribute(root, "version", nullptr, "SoftwareIdentity"));
  rim.version = version.value_or("");

  const xmlNode* meta = nullptr;
  const xmlNode* payload = nullptr;
  for (const xmlNode* c = root->children; c != nullptr; c = c->next) {
    if (is_element(c, kSwidNamespace, "Meta")) {
      if (meta != nullptr) return rim_error("SoftwareIdentity has more than one Meta");
      meta = c;
    } else if (is_element(c, kSwidNamespace, "Payload")) {
      if (payload != nullptr) return rim_error("SoftwareIdentity has more than one Payload");
      payload = c;
    }
  }
  if (meta == nullptr) return rim_error("SoftwareIdentity has no Meta");
  if (payload == nullptr) return rim_error("SoftwareIdentity has no Payload");

  CLLM_ASSIGN_OR_RETURN(rim.colloquial_version,
                        required_attribute(meta, "colloquialVersion", nullptr, "Meta"));
  CLLM_ASSIGN_OR_RETURN(rim.product, required_attribute(meta, "product", nullptr, "Meta"));
  CLLM_ASSIGN_OR_RETURN(rim.firmware_manufacturer_id,
                        attribute(meta, "FirmwareManufacturerId", kTcgRimNamespace, "Meta"));

  for (const xmlNode* c = payload->children; c != nullptr; c = c->next) {
    if (!is_element(c, kSwidNamespace, "Resource")) continue;
    CLLM_ASSIGN_OR_RETURN(auto type, attribute(c, "type", nullptr, "Resource"));
    if (!type || *type != "Measurement") continue;
    CLLM_ASSIGN_OR_RETURN(auto m, parse_measurement(c));
    rim.measurements.push_back(std::move(m));
  }
  if (rim.measurements.empty()) return rim_error("Payload has no Resource type=\"Measurement\"");
  std::sort(rim.measurements.begin(), rim.measurements.end(),
            [](const RimMeasurement& a, const RimMeasurement& b) { return a.index < b.index; });
  for (std::size_t i = 1; i < rim.measurements.size(); ++i) {
    if (rim.measurements[i].index == rim.measurements[i - 1].index) {
      return rim_error("Resource index " + std::to_string(rim.measurements[i].index) +
                       " appears twice");
    }
  }
  return rim;
}

}  // namespace detail

Result<RimDocument> parse_rim_document(ByteView xml) {
  CLLM_ASSIGN_OR_RETURN(auto doc, detail::parse_xml_bounded(xml));
  return detail::extract_rim_document(*doc);
}

}  // namespace cllm::gpu
