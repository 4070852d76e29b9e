// The WebDAV tests' shared part: whether the target is a WebDAV server and which of
// RFC 4918's methods it offers (found by trying each once per run), requests built as
// raw bytes with the target's own authority in Host and Destination, and replies with
// their XML parsed (multistatus.hpp).
//
// A method the target lacks is a skip with its reason, never a failure: PROPFIND or
// PROPPATCH or COPY or MOVE answered 405 or 501 (RFC 9110 §15.5.6, §15.6.2), LOCK
// without class 2 in the DAV header (RFC 4918 §18.2).
#pragma once

#include <chrono>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "conformance/multistatus.hpp"
#include "conformance/raw.hpp"

namespace streamcheck::conformance {

// RFC 4918 §10.1: a class 1 server says so in the DAV header of OPTIONS. One that only
// allows MKCOL, say, is no WebDAV server and is not judged as one. The DAV header alone
// decides, never the Allow list: OPTIONS / describes the root collection, whose Allow
// may well leave out methods its members take (MKCOL, PUT).
#define SKIP_UNLESS_DAV()                                                    \
  do {                                                                       \
    SKIP_UNLESS_HTTP();                                                      \
    if (!suite().profile().dav_class(1))                                     \
      GTEST_SKIP() << "OPTIONS / has no DAV header listing class 1 (DAV: \"" \
                   << suite().profile().dav << "\"): not a WebDAV server";   \
    SKIP_UNLESS_HTTP_WRITES();                                               \
  } while (0)

// SKIP_UNLESS_DAV(), and a skip with the reason when the target lacks `method`
// (dav_lacks). The test makes its objects with PUT, so --without http-put skips it too.
#define SKIP_UNLESS_DAV_OFFERS(method)                                            \
  do {                                                                            \
    SKIP_UNLESS_DAV();                                                            \
    SKIP_UNLESS_APPLIES(::streamcheck::conformance::Op::http_put);                \
    if (auto why_ = ::streamcheck::conformance::dav_lacks(method); !why_.empty()) \
      GTEST_SKIP() << why_;                                                       \
  } while (0)

// Why the target does not offer `method` ("PROPFIND", "PROPPATCH", "COPY", "MOVE",
// "LOCK"), or "" when it does. Tried once per run on objects of the suite's own
// (http_dir("dav-probe")).
std::string dav_lacks(std::string_view method);

// A request whose Host is the target's authority, with the URL's credentials; `headers`
// are whole lines ("Depth: 0\r\n"); a body is sent as application/xml. PUT always has a
// Content-Length.
std::string dav_request(std::string_view method, const std::string& path,
                        const std::string& headers = "", const std::string& body = "");
// It, on a fresh connection: the response, or nullopt when none came within `timeout`.
std::optional<bench::RawHttpResponse> dav(
    std::string_view method, const std::string& path, const std::string& headers = "",
    const std::string& body = "", std::chrono::milliseconds timeout = std::chrono::seconds(10));
// The XML of a reply's body (not ok without a reply).
DavReply dav_xml(const std::optional<bench::RawHttpResponse>& r);
// The absolute URI of `path` on the target, for Destination (RFC 4918 §10.3).
std::string dav_url(const std::string& path);

// A PUT of `content` to `path`: whether it stored it (200, 201 or 204).
bool dav_put(const std::string& path, const std::string& content);
// A GET: the body when 200, else nullopt.
std::optional<std::string> dav_get(const std::string& path);
// A fresh collection "http_dir(sub)/<stem>-N/" made with MKCOL; "" when that failed.
std::string dav_collection(const std::string& sub, const std::string& stem);

// A PROPFIND body asking for `names` (RFC 4918 §14.20, §14.18).
std::string propfind_body(std::initializer_list<XmlName> names);
// A PROPPATCH body (RFC 4918 §14.19) setting ns:local to `value` (already escaped
// XML), with `extra_set` (whole elements, in DAV: as "D") set in the same instruction.
std::string proppatch_set_body(const XmlName& name, const std::string& value,
                               const std::string& extra_set = "");
std::string proppatch_remove_body(const XmlName& name);
// The one response of a Depth 0 PROPFIND of `path` for `names`: nullopt when the reply
// was no 207 with one response.
std::optional<DavResponse> propfind_one(const std::string& path,
                                        std::initializer_list<XmlName> names);

// "status 207, 1 response(s), XML: ..." for messages.
std::string dav_text(const std::optional<bench::RawHttpResponse>& r);

// A dead property in the suite's own namespace.
inline XmlName test_property(std::string local) {
  return {"urn:streamcheck:conformance", std::move(local)};
}

}  // namespace streamcheck::conformance
