// WebDAV request bodies (RFC 4918 §14) read into plain structs, and the small XML pieces
// a reply needs.
//
// Bodies are read by expat, namespace-aware (names are compared as namespace URI + local
// name, never by prefix), with bounds so that a hostile body costs little: nesting deeper
// than kMaxXmlDepth or more than kMaxXmlElements elements is refused, and a document type
// declaration is refused outright, so no entity is ever declared, let alone expanded
// (billion laughs fails at its first line). The caller bounds the body's size.
//
// Every failure is Errc::invalid_argument with a message naming the problem (-> 400).
// Unknown elements are ignored where RFC 4918 §17 asks for extensibility.
#pragma once

#include <compare>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "refserver/store/status.hpp"

namespace streamcheck::dav {

inline constexpr size_t kMaxXmlDepth = 64;
inline constexpr size_t kMaxXmlElements = 10'000;
// A PROPPATCH's properties re-serialized (PropertyUpdate::Op::element_xml), all together,
// at most this. Each is self-contained, so a namespace declared once in the body is
// declared again in every property: without a bound, a 1 MiB body of 10 000 properties in
// one 900 KiB namespace URI came out as 9 GB. A resource's dead properties live in one
// extended attribute (at most 64 KiB on Linux), so no storable update comes near it.
inline constexpr size_t kMaxPropertyXmlBytes = 1024 * 1024;

struct QName {       // a property's expanded name
  std::string ns;    // namespace URI, "DAV:" for DAV properties; "" for no namespace
  std::string name;  // local name
  auto operator<=>(const QName&) const = default;
};

struct PropfindRequest {
  enum class Kind { allprop, propname, prop } kind = Kind::allprop;
  std::vector<QName> props;    // Kind::prop: the names asked for, in order
  std::vector<QName> include;  // allprop's <include> names
};
// An empty body is allprop (RFC 4918 §9.1). Malformed XML, a root that is not DAV:propfind,
// or none/several of allprop/propname/prop: invalid_argument naming the problem (-> 400).
store::Result<PropfindRequest> parse_propfind(std::string_view body);

struct PropertyUpdate {
  struct Op {
    bool remove = false;
    QName name;
    // For a set: the property element re-serialized whole and self-contained: it declares
    // every namespace it (or its descendants, or their attributes) uses, on itself, so it
    // can be stored and later copied verbatim into a PROPFIND reply's <D:prop>. Prefixes
    // are our own (ns0, ns1, ...); an element in no namespace is kept out of any default
    // namespace by xmlns="". Mixed content, attributes, xml:lang and UTF-8 text are kept,
    // text escaped. Comments and processing instructions are dropped. For a remove: "".
    std::string element_xml;
  };
  std::vector<Op> ops;  // document order (RFC 4918 §9.2: applied in order)
};
// DAV:propertyupdate with DAV:set / DAV:remove, each DAV:prop with >=1 property; the sets'
// XML together within kMaxPropertyXmlBytes.
store::Result<PropertyUpdate> parse_proppatch(std::string_view body);

struct LockInfo {
  bool exclusive = true;  // lockscope
  std::string owner_xml;  // the DAV:owner element re-serialized whole (as element_xml), or ""
};
// DAV:lockinfo; locktype must be DAV:write (else invalid_argument). An empty body is a
// refresh: the caller checks for it before calling.
store::Result<LockInfo> parse_lockinfo(std::string_view body);

// & < > " ' as references (' as &#39;, which HTML reads too): safe in text and within
// either kind of attribute quotes.
std::string xml_escape(std::string_view text);

// Dead properties of one resource: name -> element_xml (as in PropertyUpdate::Op).
using DeadProps = std::map<QName, std::string>;
// One opaque blob (the store keeps it in one extended attribute, so a PROPPATCH replaces
// all of a resource's dead properties at once = atomic per request). Compact (varint
// lengths), binary-safe, versioned; decode rejects garbage: wrong magic or version,
// truncation, trailing bytes, names out of order or repeated, an empty local name.
std::string encode_dead_props(const DeadProps& props);
std::optional<DeadProps> decode_dead_props(std::string_view blob);  // "" -> empty map

// An empty element of that name with its namespace declared: "<ns0:foo xmlns:ns0=\"http://x\"/>"
// (no namespace: "<foo xmlns=\"\"/>"), for propname replies and 404 propstats.
std::string empty_element(const QName& name);

}  // namespace streamcheck::dav
