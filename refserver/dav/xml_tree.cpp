#include "refserver/dav/xml_tree.hpp"

#include <expat.h>

#include <climits>
#include <map>
#include <optional>
#include <string>
#include <utility>

namespace streamcheck::dav::detail {
namespace {

// Expat joins a namespace URI and a local name with this. XML 1.0 forbids the character
// in documents, so it cannot occur inside either part.
constexpr char kNsSeparator = '\x1f';
constexpr std::string_view kXmlNamespace = "http://www.w3.org/XML/1998/namespace";

QName split_name(const XML_Char* expat_name) {
  std::string_view full(expat_name);
  auto sep = full.find(kNsSeparator);
  if (sep == std::string_view::npos) return QName{"", std::string(full)};
  return QName{std::string(full.substr(0, sep)), std::string(full.substr(sep + 1))};
}

// Expat's callbacks build the tree into this, and stop the parser at the first bound hit.
struct TreeBuilder {
  XML_Parser parser = nullptr;
  std::optional<XmlElement> root;
  std::vector<XmlElement*> open;  // the elements not yet closed, innermost last
  size_t elements = 0;
  std::string refusal;  // set when a bound or rule stopped the parser

  void refuse(std::string why) {
    if (refusal.empty()) refusal = std::move(why);
    XML_StopParser(parser, XML_FALSE);
  }

  static void on_start(void* self_ptr, const XML_Char* name, const XML_Char** attributes) {
    auto& self = *static_cast<TreeBuilder*>(self_ptr);
    if (++self.elements > kMaxXmlElements)
      return self.refuse("more than " + std::to_string(kMaxXmlElements) + " elements");
    if (self.open.size() >= kMaxXmlDepth)
      return self.refuse("elements nested deeper than " + std::to_string(kMaxXmlDepth));
    XmlElement* element = nullptr;
    if (self.open.empty()) {
      element = &self.root.emplace();
    } else {
      auto& siblings = self.open.back()->children;
      siblings.push_back(XmlNode{"", std::make_unique<XmlElement>()});
      element = siblings.back().element.get();
    }
    element->name = split_name(name);
    for (size_t i = 0; attributes[i] != nullptr; i += 2)
      element->attributes.push_back(XmlAttribute{split_name(attributes[i]), attributes[i + 1]});
    self.open.push_back(element);
  }

  static void on_end(void* self_ptr, const XML_Char*) {
    auto& self = *static_cast<TreeBuilder*>(self_ptr);
    // Expat still reports the end of an empty element whose start we refused.
    if (self.refusal.empty()) self.open.pop_back();
  }

  static void on_text(void* self_ptr, const XML_Char* text, int length) {
    auto& self = *static_cast<TreeBuilder*>(self_ptr);
    if (self.open.empty() || !self.refusal.empty()) return;
    auto& siblings = self.open.back()->children;
    if (siblings.empty() || siblings.back().element) siblings.push_back(XmlNode{});
    siblings.back().text.append(text, static_cast<size_t>(length));
  }

  // No DTD at all: it is the only way to declare an entity, and entities are the only way
  // a small body turns into a large tree.
  static void on_doctype(void* self_ptr, const XML_Char*, const XML_Char*, const XML_Char*, int) {
    static_cast<TreeBuilder*>(self_ptr)->refuse("a document type declaration is not allowed");
  }
};

struct ParserDeleter {
  void operator()(XML_Parser parser) const { XML_ParserFree(parser); }
};

// xml_escape, plus the characters that a parser would otherwise normalize away: CR in
// text (line-end handling), and TAB/LF/CR in attribute values (value normalization).
std::string escape_keeping(std::string_view text, bool in_attribute) {
  std::string out;
  for (char c : text) {
    if (c == '\r') {
      out += "&#13;";
    } else if (in_attribute && c == '\n') {
      out += "&#10;";
    } else if (in_attribute && c == '\t') {
      out += "&#9;";
    } else {
      out += xml_escape(std::string_view(&c, 1));
    }
  }
  return out;
}

// Every namespace a subtree uses, numbered in order of first use, for one set of
// declarations on the subtree's start tag.
class NamespaceTable {
 public:
  explicit NamespaceTable(const XmlElement& root) { collect(root); }

  std::string qualified(const QName& name) const {
    if (name.ns.empty()) return name.name;
    if (name.ns == kXmlNamespace) return "xml:" + name.name;
    return "ns" + std::to_string(prefix_.at(name.ns)) + ":" + name.name;
  }

  std::string declarations() const {
    std::string out;
    if (uses_no_namespace_) out += " xmlns=\"\"";
    for (const auto& uri : in_order_)
      // Kept as attribute values are: a TAB, LF or CR in a URI written as is would come
      // back as a space, and the property in another namespace.
      out +=
          " xmlns:ns" + std::to_string(prefix_.at(uri)) + "=\"" + escape_keeping(uri, true) + "\"";
    return out;
  }

 private:
  void note(const std::string& uri) {
    if (uri.empty() || uri == kXmlNamespace || prefix_.contains(uri)) return;
    prefix_.emplace(uri, in_order_.size());
    in_order_.push_back(uri);
  }

  void collect(const XmlElement& element) {
    if (element.name.ns.empty()) uses_no_namespace_ = true;
    note(element.name.ns);
    for (const auto& attribute : element.attributes) note(attribute.name.ns);
    for (const auto& child : element.children)
      if (child.element) collect(*child.element);
  }

  std::map<std::string, size_t> prefix_;
  std::vector<std::string> in_order_;
  bool uses_no_namespace_ = false;
};

void write_element(const XmlElement& element, const NamespaceTable& table, bool is_root,
                   std::string& out) {
  auto tag = table.qualified(element.name);
  out += "<" + tag;
  if (is_root) out += table.declarations();
  for (const auto& attribute : element.attributes)
    out += " " + table.qualified(attribute.name) + "=\"" + escape_keeping(attribute.value, true) +
           "\"";
  if (element.children.empty()) {
    out += "/>";
    return;
  }
  out += ">";
  for (const auto& child : element.children) {
    if (child.element) {
      write_element(*child.element, table, false, out);
    } else {
      out += escape_keeping(child.text, false);
    }
  }
  out += "</" + tag + ">";
}

}  // namespace

std::vector<const XmlElement*> XmlElement::children_named(const QName& wanted) const {
  std::vector<const XmlElement*> found;
  for (const auto& child : children)
    if (child.element && child.element->name == wanted) found.push_back(child.element.get());
  return found;
}

const XmlElement* XmlElement::first_child(const QName& wanted) const {
  for (const auto& child : children)
    if (child.element && child.element->name == wanted) return child.element.get();
  return nullptr;
}

std::vector<const XmlElement*> XmlElement::child_elements() const {
  std::vector<const XmlElement*> found;
  for (const auto& child : children)
    if (child.element) found.push_back(child.element.get());
  return found;
}

store::Result<XmlElement> parse_xml(std::string_view body) {
  auto refused = [](std::string why) {
    return store::Status(store::Errc::invalid_argument, "XML body: " + std::move(why));
  };
  if (body.size() > static_cast<size_t>(INT_MAX)) return refused("too large");
  std::unique_ptr<XML_ParserStruct, ParserDeleter> parser(
      XML_ParserCreateNS(nullptr, kNsSeparator));
  if (!parser) return store::Status(store::Errc::io_error, "XML_ParserCreateNS failed");
  TreeBuilder builder;
  builder.parser = parser.get();
  XML_SetUserData(parser.get(), &builder);
  XML_SetElementHandler(parser.get(), TreeBuilder::on_start, TreeBuilder::on_end);
  XML_SetCharacterDataHandler(parser.get(), TreeBuilder::on_text);
  XML_SetStartDoctypeDeclHandler(parser.get(), TreeBuilder::on_doctype);
  XML_SetParamEntityParsing(parser.get(), XML_PARAM_ENTITY_PARSING_NEVER);

  auto done = XML_Parse(parser.get(), body.data(), static_cast<int>(body.size()), XML_TRUE);
  if (!builder.refusal.empty()) return refused(builder.refusal);
  if (done != XML_STATUS_OK) {
    return refused(std::string(XML_ErrorString(XML_GetErrorCode(parser.get()))) + " at line " +
                   std::to_string(XML_GetCurrentLineNumber(parser.get())) + ", column " +
                   std::to_string(XML_GetCurrentColumnNumber(parser.get())));
  }
  if (!builder.root) return refused("no element");
  return std::move(*builder.root);
}

std::string serialize_self_contained(const XmlElement& element) {
  NamespaceTable table(element);
  std::string out;
  write_element(element, table, true, out);
  return out;
}

}  // namespace streamcheck::dav::detail
