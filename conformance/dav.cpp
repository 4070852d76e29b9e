#include "conformance/dav.hpp"

#include <map>

namespace streamcheck::conformance {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kProbeName = "probe.bin";

std::string lacks_if_refused(const std::optional<bench::RawHttpResponse>& r,
                             std::string_view what) {
  if (r && (r->status == 405 || r->status == 501))
    return std::string(what) + " was answered " + std::to_string(r->status) +
           " (RFC 9110 §15.5.6, §15.6.2): the target does not offer it";
  return "";
}

std::string probe(std::string_view method) {
  const auto dir = suite().http_dir("dav-probe");
  if (method == "PROPFIND")
    return lacks_if_refused(dav("PROPFIND", dir, "Depth: 0\r\n"), "PROPFIND Depth 0 of " + dir);
  if (method == "LOCK") {
    if (!suite().profile().dav_class(2))
      return "OPTIONS / has no DAV compliance class 2 (DAV: \"" + suite().profile().dav +
             "\"): no locking (RFC 4918 §18.2)";
    return "";
  }
  const auto file = dir + std::string(kProbeName);
  if (!dav_put(file, "probe")) return "";  // the tests' own PUT will tell
  if (method == "PROPPATCH")
    return lacks_if_refused(
        dav("PROPPATCH", file, "", proppatch_set_body(test_property("probe"), "1")),
        "PROPPATCH of " + file);
  if (method == "COPY" || method == "MOVE") {
    const auto to = dir + fresh_name("probe-" + std::string(method));
    const auto why =
        lacks_if_refused(dav(method, file, "Destination: " + dav_url(to) + "\r\nOverwrite: T\r\n"),
                         std::string(method) + " of " + file);
    dav("DELETE", to);
    return why;
  }
  return "the suite has no probe for " + std::string(method);
}

}  // namespace

std::string dav_lacks(std::string_view method) {
  static std::map<std::string, std::string, std::less<>> found;
  if (const auto it = found.find(method); it != found.end()) return it->second;
  const auto why = probe(method);
  found.emplace(std::string(method), why);
  return why;
}

std::string dav_request(std::string_view method, const std::string& path,
                        const std::string& headers, const std::string& body) {
  std::string request = std::string(method) + " " + path +
                        " HTTP/1.1\r\nHost: " + suite().target().http->authority() + "\r\n" +
                        suite().http_auth_header() + headers;
  if (!body.empty()) request += "Content-Type: application/xml; charset=utf-8\r\n";
  if (!body.empty() || method == "PUT")
    request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  return request + "\r\n" + body;
}

std::optional<bench::RawHttpResponse> dav(std::string_view method, const std::string& path,
                                          const std::string& headers, const std::string& body,
                                          std::chrono::milliseconds timeout) {
  auto conn = suite().http_raw();
  conn->send(dav_request(method, path, headers, body));
  return conn->read_http_response(timeout, method == "HEAD");
}

DavReply dav_xml(const std::optional<bench::RawHttpResponse>& r) {
  if (!r) return {.ok = false, .error = "no response"};
  return parse_dav_reply(r->body);
}

std::string dav_url(const std::string& path) {
  const auto& u = *suite().target().http;
  return u.scheme + "://" + u.authority() + path;
}

bool dav_put(const std::string& path, const std::string& content) {
  return outcome_is(dav("PUT", path, "", content), "PUT", HttpOutcome::stored);
}

std::optional<std::string> dav_get(const std::string& path) {
  auto r = dav("GET", path);
  if (!r || r->status != 200) return std::nullopt;
  return std::move(r->body);
}

std::string dav_collection(const std::string& sub, const std::string& stem) {
  const auto dir = suite().http_dir(sub) + fresh_name(stem) + "/";
  return outcome_is(dav("MKCOL", dir), "MKCOL", HttpOutcome::created) ? dir : "";
}

namespace {
std::string element(const XmlName& n, const std::string& content = "") {
  const std::string tag = n.ns == "DAV:" ? "D:" + n.local : "z:" + n.local;
  const std::string ns = n.ns == "DAV:" ? "" : " xmlns:z=\"" + n.ns + "\"";
  return content.empty() ? "<" + tag + ns + "/>"
                         : "<" + tag + ns + ">" + content + "</" + tag + ">";
}
constexpr std::string_view kXmlHead = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";
}  // namespace

std::string propfind_body(std::initializer_list<XmlName> names) {
  std::string props;
  for (const auto& n : names) props += element(n);
  return std::string(kXmlHead) + "<D:propfind xmlns:D=\"DAV:\"><D:prop>" + props +
         "</D:prop></D:propfind>";
}

std::string proppatch_set_body(const XmlName& name, const std::string& value,
                               const std::string& extra_set) {
  return std::string(kXmlHead) + "<D:propertyupdate xmlns:D=\"DAV:\"><D:set><D:prop>" +
         element(name, value) + extra_set + "</D:prop></D:set></D:propertyupdate>";
}

std::string proppatch_remove_body(const XmlName& name) {
  return std::string(kXmlHead) + "<D:propertyupdate xmlns:D=\"DAV:\"><D:remove><D:prop>" +
         element(name) + "</D:prop></D:remove></D:propertyupdate>";
}

std::optional<DavResponse> propfind_one(const std::string& path,
                                        std::initializer_list<XmlName> names) {
  const auto r = dav("PROPFIND", path, "Depth: 0\r\n", propfind_body(names));
  if (!r || r->status != 207) return std::nullopt;
  auto xml = dav_xml(r);
  if (!xml.ok || xml.responses.size() != 1) return std::nullopt;
  return std::move(xml.responses[0]);
}

std::string dav_text(const std::optional<bench::RawHttpResponse>& r) {
  if (!r) return status_text(r);
  const auto xml = dav_xml(r);
  std::string body = r->body.substr(0, 600);
  for (auto& c : body)
    if (c == '\n' || c == '\r') c = ' ';
  return status_text(r) + ", " +
         (xml.ok ? std::to_string(xml.responses.size()) + " response(s)"
                 : "no XML (" + xml.error + ")") +
         ", body: " + body;
}

}  // namespace streamcheck::conformance
