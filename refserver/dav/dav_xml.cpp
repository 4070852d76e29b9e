#include "refserver/dav/dav_xml.hpp"

#include <utility>

#include "refserver/dav/xml_tree.hpp"

namespace streamcheck::dav {
namespace {

using detail::XmlElement;

QName dav(std::string name) {
  return QName{"DAV:", std::move(name)};
}

// "DAV:propfind", "{urn:x}foo", or "foo" when in no namespace.
std::string describe(const QName& name) {
  if (name.ns == "DAV:") return "DAV:" + name.name;
  return name.ns.empty() ? name.name : "{" + name.ns + "}" + name.name;
}

store::Status malformed(std::string why) {
  return store::Status(store::Errc::invalid_argument, std::move(why));
}

// The document element, which must be `expected`.
store::Result<XmlElement> parse_root(std::string_view body, const QName& expected) {
  auto root = detail::parse_xml(body);
  if (!root) return root;
  if (root->name != expected)
    return malformed("the root element is " + describe(root->name) + ", not " + describe(expected));
  return root;
}

std::vector<QName> names_of_children(const XmlElement& element) {
  std::vector<QName> names;
  for (const auto* child : element.child_elements()) names.push_back(child->name);
  return names;
}

bool only_whitespace(std::string_view text) {
  return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

}  // namespace

store::Result<PropfindRequest> parse_propfind(std::string_view body) {
  if (only_whitespace(body)) return PropfindRequest{};
  auto root = parse_root(body, dav("propfind"));
  if (!root) return root.status();
  const auto* allprop = root->first_child(dav("allprop"));
  const auto* propname = root->first_child(dav("propname"));
  const auto* prop = root->first_child(dav("prop"));
  if ((allprop != nullptr) + (propname != nullptr) + (prop != nullptr) != 1)
    return malformed("DAV:propfind needs exactly one of DAV:allprop, DAV:propname, DAV:prop");
  PropfindRequest request;
  if (prop != nullptr) {
    request.kind = PropfindRequest::Kind::prop;
    request.props = names_of_children(*prop);
  } else if (propname != nullptr) {
    request.kind = PropfindRequest::Kind::propname;
  } else if (const auto* include = root->first_child(dav("include")); include != nullptr) {
    request.include = names_of_children(*include);
  }
  return request;
}

store::Result<PropertyUpdate> parse_proppatch(std::string_view body) {
  auto root = parse_root(body, dav("propertyupdate"));
  if (!root) return root.status();
  PropertyUpdate update;
  size_t xml_bytes = 0;
  for (const auto* instruction : root->child_elements()) {
    bool remove = instruction->name == dav("remove");
    if (!remove && instruction->name != dav("set")) continue;  // RFC 4918 §17: ignore
    const auto* prop = instruction->first_child(dav("prop"));
    if (prop == nullptr) return malformed("DAV:" + instruction->name.name + " without DAV:prop");
    auto properties = prop->child_elements();
    if (properties.empty())
      return malformed("DAV:" + instruction->name.name + " names no property");
    for (const auto* property : properties) {
      update.ops.push_back(PropertyUpdate::Op{
          .remove = remove,
          .name = property->name,
          .element_xml = remove ? "" : detail::serialize_self_contained(*property)});
      xml_bytes += update.ops.back().element_xml.size();
      if (xml_bytes > kMaxPropertyXmlBytes)
        return malformed("the properties' XML, each with its namespaces declared, is over " +
                         std::to_string(kMaxPropertyXmlBytes) + " bytes");
    }
  }
  if (update.ops.empty()) return malformed("DAV:propertyupdate has no DAV:set or DAV:remove");
  return update;
}

store::Result<LockInfo> parse_lockinfo(std::string_view body) {
  auto root = parse_root(body, dav("lockinfo"));
  if (!root) return root.status();
  LockInfo info;
  const auto* scope = root->first_child(dav("lockscope"));
  if (scope == nullptr) return malformed("DAV:lockinfo without DAV:lockscope");
  bool exclusive = scope->first_child(dav("exclusive")) != nullptr;
  bool shared = scope->first_child(dav("shared")) != nullptr;
  if (exclusive == shared)
    return malformed("DAV:lockscope needs exactly one of DAV:exclusive, DAV:shared");
  info.exclusive = exclusive;
  const auto* type = root->first_child(dav("locktype"));
  if (type == nullptr) return malformed("DAV:lockinfo without DAV:locktype");
  if (type->first_child(dav("write")) == nullptr)
    return malformed("DAV:locktype is not DAV:write, the only lock type there is");
  if (const auto* owner = root->first_child(dav("owner")); owner != nullptr)
    info.owner_xml = detail::serialize_self_contained(*owner);
  return info;
}

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string empty_element(const QName& name) {
  XmlElement element;
  element.name = name;
  return detail::serialize_self_contained(element);
}

}  // namespace streamcheck::dav
