// What PROPFIND says of one resource (RFC 4918 §15's live properties and the dead ones
// PROPPATCH stored), and the lock elements LOCK and lockdiscovery share: pure functions from
// facts the session gathered to XML, so every reply shape is unit-tested without a socket.
// Replies use the prefix "D:" for "DAV:"; the document element declares it.
#pragma once

#include <chrono>
#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "refserver/dav/dav_xml.hpp"
#include "refserver/dav/lock_table.hpp"

namespace streamcheck::http {

struct ResourceFacts {
  std::string href;  // percent-encoded absolute path; a collection's ends with '/'
  bool collection = false;
  uint64_t size = 0;
  timespec mtime{};
  std::string etag;          // quoted; "" for a collection
  std::string display_name;  // the last path segment, "" for the root
  dav::DeadProps dead;
  std::vector<dav::Lock> locks;  // the locks that cover it
};

// The live properties this server computes. PROPPATCH may not set or remove them (403,
// RFC 4918 §9.2 "cannot-modify-protected-property"), except the two the RFC leaves
// writable (displayname, getcontenttype): a dead property of that name wins.
bool is_protected_property(const dav::QName& name);

// One <D:response> for PROPFIND: the asked properties found (200) and not found (404),
// allprop (live + dead + include), or propname (empty elements).
std::string render_propfind_response(const ResourceFacts& facts,
                                     const dav::PropfindRequest& request,
                                     std::chrono::steady_clock::time_point now);

// "<?xml ...?><D:multistatus xmlns:D=\"DAV:\">" and its end, around responses.
std::string_view multistatus_begin();
std::string_view multistatus_end();
// A whole 207 body around `responses` (one or more <D:response> elements).
std::string render_multistatus(std::string_view responses);

// A <D:response> with one status for a resource (a member of a COPY/DELETE that failed).
std::string render_status_response(std::string_view href, unsigned status);
// A <D:propstat> block for `names` with one status: PROPPATCH's answer per property.
std::string render_propstat(const std::vector<dav::QName>& names, unsigned status);
// The response element around propstats: "<D:response><D:href>…</D:href>" + inner + end.
std::string render_response(std::string_view href, std::string_view inner);

// <D:activelock> of one lock (RFC 4918 §14.1), its timeout counted from `now`.
std::string render_activelock(const dav::Lock& lock, std::chrono::steady_clock::time_point now);
// The LOCK reply body: <D:prop><D:lockdiscovery> with `lock` (RFC 4918 §9.10.1).
std::string render_lock_reply(const dav::Lock& lock, std::chrono::steady_clock::time_point now);
// An RFC 4918 §16 error body: <D:error><D:CONDITION>inner</D:CONDITION></D:error>.
std::string render_error(std::string_view condition, std::string_view inner = {});

// "HTTP/1.1 404 Not Found"
std::string status_line(unsigned status);
// RFC 3339 in UTC, as DAV:creationdate wants: "2026-12-07T14:03:00Z".
std::string format_rfc3339(std::time_t t);

}  // namespace streamcheck::http
