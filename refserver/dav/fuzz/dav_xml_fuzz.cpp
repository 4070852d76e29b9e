// The WebDAV request bodies (RFC 4918 §14, dav_xml.hpp, expat beneath): PROPFIND,
// PROPPATCH and LOCK bodies, and the dead-property blob a PROPPATCH stores. Bodies are
// read whole (the session bounds them), so there is no split to vary here.
//
// Input: a selector byte, then the body (or blob). Checked:
//   - nothing but a Result comes out (no throw, no sanitizer report), and no more names
//     or operations than elements the bounds allow;
//   - PROPFIND: the names asked for, written back as a DAV:prop (or DAV:include) of empty
//     elements, parse to the same request;
//   - PROPPATCH: each set's element_xml is self-contained: the operations written back
//     (the sets' XML as is, the removes' names as empty elements) parse to the same
//     operations; one property's XML is no bigger than its escaping and namespace
//     declarations can make the body (13 bytes for each byte), and all of them together
//     within kMaxPropertyXmlBytes;
//   - LOCK: the owner XML written back into a lockinfo comes out the same;
//   - dead-property blobs: what decodes encodes to a blob that decodes to the same.
#include <string>
#include <string_view>

#include "fuzz/fuzz_check.hpp"
#include "refserver/dav/dav_xml.hpp"

namespace {

using namespace streamcheck::dav;
using streamcheck::fuzz::printable;

std::string empty_elements(const std::vector<QName>& names) {
  std::string out;
  for (const auto& name : names) out += empty_element(name);
  return out;
}

void check_propfind(std::string_view body) {
  const auto request = parse_propfind(body);
  if (!request) return;
  FUZZ_CHECK(request->props.size() + request->include.size() <= kMaxXmlElements);
  std::string again = "<D:propfind xmlns:D=\"DAV:\">";
  switch (request->kind) {
    case PropfindRequest::Kind::allprop:
      again += "<D:allprop/>";
      if (!request->include.empty())
        again += "<D:include>" + empty_elements(request->include) + "</D:include>";
      break;
    case PropfindRequest::Kind::propname:
      again += "<D:propname/>";
      break;
    case PropfindRequest::Kind::prop:
      again += "<D:prop>" + empty_elements(request->props) + "</D:prop>";
      break;
  }
  again += "</D:propfind>";
  const auto reread = parse_propfind(again);
  FUZZ_CHECK_MSG(reread.ok(), printable(body) + " -> " + printable(again));
  FUZZ_CHECK_MSG(reread->kind == request->kind && reread->props == request->props &&
                     reread->include == request->include,
                 printable(body) + " -> " + printable(again));
}

void check_proppatch(std::string_view body) {
  const auto update = parse_proppatch(body);
  if (!update) return;
  FUZZ_CHECK(!update->ops.empty() && update->ops.size() <= kMaxXmlElements);
  std::string again = "<D:propertyupdate xmlns:D=\"DAV:\">";
  size_t xml_bytes = 0;
  for (const auto& op : update->ops) {
    xml_bytes += op.element_xml.size();
    FUZZ_CHECK(op.remove == op.element_xml.empty());
    FUZZ_CHECK_MSG(op.element_xml.size() <= 13 * body.size() + 64, printable(body));
    again += op.remove ? "<D:remove><D:prop>" + empty_element(op.name) + "</D:prop></D:remove>"
                       : "<D:set><D:prop>" + op.element_xml + "</D:prop></D:set>";
  }
  FUZZ_CHECK_MSG(xml_bytes <= kMaxPropertyXmlBytes, std::to_string(xml_bytes));
  again += "</D:propertyupdate>";
  const auto reread = parse_proppatch(again);
  FUZZ_CHECK_MSG(reread.ok(), printable(body) + " -> " + printable(again));
  FUZZ_CHECK(reread->ops.size() == update->ops.size());
  for (size_t i = 0; i < update->ops.size(); ++i) {
    const auto& a = update->ops[i];
    const auto& b = reread->ops[i];
    FUZZ_CHECK_MSG(a.remove == b.remove && a.name == b.name && a.element_xml == b.element_xml,
                   printable(a.element_xml) + " -> " + printable(b.element_xml));
  }
}

void check_lockinfo(std::string_view body) {
  const auto info = parse_lockinfo(body);
  if (!info) return;
  const std::string again = std::string("<D:lockinfo xmlns:D=\"DAV:\"><D:lockscope>") +
                            (info->exclusive ? "<D:exclusive/>" : "<D:shared/>") +
                            "</D:lockscope><D:locktype><D:write/></D:locktype>" + info->owner_xml +
                            "</D:lockinfo>";
  const auto reread = parse_lockinfo(again);
  FUZZ_CHECK_MSG(reread.ok(), printable(again));
  FUZZ_CHECK_MSG(reread->exclusive == info->exclusive && reread->owner_xml == info->owner_xml,
                 printable(info->owner_xml) + " -> " + printable(reread->owner_xml));
}

void check_dead_props(std::string_view blob) {
  const auto props = decode_dead_props(blob);
  if (!props) return;
  FUZZ_CHECK(props->size() <= blob.size());
  const std::string encoded = encode_dead_props(*props);
  const auto again = decode_dead_props(encoded);
  FUZZ_CHECK_MSG(again && *again == *props, printable(blob));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  streamcheck::fuzz::FuzzInput input(data, size);
  const uint8_t selector = input.byte();
  const std::string_view body = input.rest();
  switch (selector % 4) {
    case 0:
      check_propfind(body);
      break;
    case 1:
      check_proppatch(body);
      break;
    case 2:
      check_lockinfo(body);
      break;
    default:
      check_dead_props(body);
  }
  return 0;
}
