#include "refserver/http/dav_props.hpp"

#include <boost/beast/http/status.hpp>

#include <array>
#include <optional>

#include "refserver/http/http_util.hpp"

namespace streamcheck::http {

namespace {

using dav::QName;

constexpr std::string_view kDav = "DAV:";

// The live properties allprop reports, in this order.
constexpr std::array<std::string_view, 9> kLive = {
    "resourcetype", "getcontentlength", "getlastmodified", "getetag",      "creationdate",
    "displayname",  "getcontenttype",   "supportedlock",   "lockdiscovery"};

std::string element(std::string_view name, std::string_view content) {
  std::string out = "<D:";
  out.append(name);
  if (content.empty()) return out + "/>";
  out += ">";
  out.append(content);
  out += "</D:";
  out.append(name);
  return out + ">";
}

std::string supported_lock() {
  constexpr std::string_view kWrite = "<D:locktype><D:write/></D:locktype>";
  return element("supportedlock",
                 "<D:lockentry><D:lockscope><D:exclusive/></D:lockscope>" + std::string(kWrite) +
                     "</D:lockentry><D:lockentry><D:lockscope><D:shared/></D:lockscope>" +
                     std::string(kWrite) + "</D:lockentry>");
}

// The value of a live DAV: property as a whole element, or nullopt when this resource has
// none (a collection's getcontentlength).
std::optional<std::string> live_property(const ResourceFacts& f, std::string_view name,
                                         std::chrono::steady_clock::time_point now) {
  if (name == "resourcetype") return element(name, f.collection ? "<D:collection/>" : "");
  if (name == "creationdate") return element(name, format_rfc3339(f.mtime.tv_sec));
  if (name == "getlastmodified") return element(name, format_http_date(f.mtime.tv_sec));
  if (name == "displayname") return element(name, dav::xml_escape(f.display_name));
  if (name == "supportedlock") return supported_lock();
  if (name == "lockdiscovery") {
    std::string locks;
    for (const auto& lock : f.locks) locks += render_activelock(lock, now);
    return element(name, locks);
  }
  if (f.collection) return std::nullopt;
  if (name == "getcontentlength") return element(name, std::to_string(f.size));
  if (name == "getetag") return element(name, dav::xml_escape(f.etag));
  if (name == "getcontenttype") return element(name, media_type_for(f.display_name));
  return std::nullopt;
}

std::optional<std::string> property(const ResourceFacts& f, const QName& name,
                                    std::chrono::steady_clock::time_point now) {
  if (auto dead = f.dead.find(name); dead != f.dead.end()) return dead->second;
  if (name.ns != kDav) return std::nullopt;
  return live_property(f, name.name, now);
}

std::string propstat(std::string_view props, unsigned status) {
  return "<D:propstat><D:prop>" + std::string(props) + "</D:prop><D:status>" + status_line(status) +
         "</D:status></D:propstat>";
}

}  // namespace

bool is_protected_property(const QName& name) {
  if (name.ns != kDav) return false;
  for (auto live : kLive)
    if (name.name == live) return live != "displayname" && live != "getcontenttype";
  return false;
}

std::string render_propfind_response(const ResourceFacts& f, const dav::PropfindRequest& request,
                                     std::chrono::steady_clock::time_point now) {
  using Kind = dav::PropfindRequest::Kind;
  std::string found, missing;
  if (request.kind == Kind::prop) {
    for (const auto& name : request.props) {
      if (auto value = property(f, name, now))
        found += *value;
      else
        missing += dav::empty_element(name);
    }
  } else {
    for (auto live : kLive) {
      QName name{std::string(kDav), std::string(live)};
      if (f.dead.contains(name)) continue;  // reported below, with the dead ones
      if (auto value = live_property(f, live, now))
        found += request.kind == Kind::propname ? element(live, "") : *value;
    }
    for (const auto& [name, xml] : f.dead)
      found += request.kind == Kind::propname ? dav::empty_element(name) : xml;
    // allprop's <include> adds properties allprop leaves out; ours are all in already.
  }
  std::string inner;
  if (!found.empty() || missing.empty()) inner += propstat(found, 200);
  if (!missing.empty()) inner += propstat(missing, 404);
  return render_response(f.href, inner);
}

std::string_view multistatus_begin() {
  return "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<D:multistatus xmlns:D=\"DAV:\">\n";
}
std::string render_multistatus(std::string_view responses) {
  std::string out(multistatus_begin());
  out.append(responses);
  out.append(multistatus_end());
  return out;
}

std::string_view multistatus_end() {
  return "</D:multistatus>\n";
}

std::string render_response(std::string_view href, std::string_view inner) {
  return "<D:response><D:href>" + dav::xml_escape(href) + "</D:href>" + std::string(inner) +
         "</D:response>\n";
}

std::string render_status_response(std::string_view href, unsigned status) {
  return render_response(href, "<D:status>" + status_line(status) + "</D:status>");
}

std::string render_propstat(const std::vector<QName>& names, unsigned status) {
  std::string props;
  for (const auto& name : names) props += dav::empty_element(name);
  return propstat(props, status);
}

std::string render_activelock(const dav::Lock& lock, std::chrono::steady_clock::time_point now) {
  auto left = std::chrono::duration_cast<std::chrono::seconds>(lock.expires - now).count();
  std::string out = "<D:activelock><D:locktype><D:write/></D:locktype><D:lockscope>";
  out += lock.scope == dav::LockScope::exclusive ? "<D:exclusive/>" : "<D:shared/>";
  out += "</D:lockscope><D:depth>";
  out += lock.depth_infinity ? "infinity" : "0";
  out += "</D:depth>" + lock.owner_xml;
  out += "<D:timeout>Second-" + std::to_string(left > 0 ? left : 0) + "</D:timeout>";
  out += "<D:locktoken><D:href>" + dav::xml_escape(lock.token) + "</D:href></D:locktoken>";
  out += "<D:lockroot><D:href>" + dav::xml_escape(encode_path("/" + lock.root)) +
         "</D:href></D:lockroot></D:activelock>";
  return out;
}

std::string render_lock_reply(const dav::Lock& lock, std::chrono::steady_clock::time_point now) {
  return "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<D:prop xmlns:D=\"DAV:\"><D:lockdiscovery>" +
         render_activelock(lock, now) + "</D:lockdiscovery></D:prop>\n";
}

std::string render_error(std::string_view condition, std::string_view inner) {
  return "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<D:error xmlns:D=\"DAV:\">" +
         element(condition, inner) + "</D:error>\n";
}

std::string status_line(unsigned status) {
  auto reason = boost::beast::http::obsolete_reason(boost::beast::http::int_to_status(status));
  return "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason);
}

std::string format_rfc3339(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace streamcheck::http
