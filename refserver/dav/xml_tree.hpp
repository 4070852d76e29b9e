// Internal to refserver/dav: a request body as a small element tree, read by expat, and
// an element written back out self-contained. dav_xml.cpp interprets the tree.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "refserver/dav/dav_xml.hpp"

namespace streamcheck::dav::detail {

struct XmlElement;

// Mixed content: each child is either text or an element.
struct XmlNode {
  std::string text;                     // when element is null
  std::unique_ptr<XmlElement> element;  // otherwise
};

struct XmlAttribute {
  QName name;  // ns "" for an unqualified attribute
  std::string value;
};

struct XmlElement {
  QName name;
  std::vector<XmlAttribute> attributes;  // document order
  std::vector<XmlNode> children;         // document order; adjacent text merged

  // The child elements named `name`, skipping text; and the first of them or null.
  std::vector<const XmlElement*> children_named(const QName& name) const;
  const XmlElement* first_child(const QName& name) const;
  std::vector<const XmlElement*> child_elements() const;
};

// The document element of `body`, or invalid_argument naming the problem: malformed or
// namespace-ill-formed XML, a DOCTYPE, nesting over kMaxXmlDepth, over kMaxXmlElements.
store::Result<XmlElement> parse_xml(std::string_view body);

// `element` and its content as XML that declares, on its start tag, every namespace used
// within (prefixes ns0, ns1, ... in order of first use; xml:* kept as is).
std::string serialize_self_contained(const XmlElement& element);

}  // namespace streamcheck::dav::detail
