// The statuses RFC 9110 (HTTP semantics) and RFC 4918 (WebDAV) allow for each outcome of a
// method that the suite judges: a test asks "was this DELETE done?" and accepts every
// status the RFCs give for that (200, 202, 204), not the one our refserver happens to send.
// The FTP counterpart is ftp_replies.hpp.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace streamcheck::conformance {

// What the request did (or was meant to do) to the target, as a test expects it.
enum class HttpOutcome {
  ok,                           // GET/HEAD/OPTIONS/PROPFIND served the target
  partial,                      // GET with a satisfiable Range, honoured
  range_not_satisfiable,        // GET with a Range that no byte satisfies
  not_modified,                 // GET/HEAD whose If-None-Match / If-Modified-Since is false
  missing,                      // the target does not exist
  created,                      // PUT/MKCOL/COPY/MOVE/POST made a new resource
  replaced,                     // PUT/COPY/MOVE replaced an existing one
  stored,                       // PUT/POST stored it, new or not
  deleted,                      // DELETE removed it (or will: 202)
  exists,                       // MKCOL on a resource that exists
  parent_missing,               // PUT/MKCOL/COPY/MOVE into a collection that does not exist
  unsupported_body,             // MKCOL with a body the server does not understand
  precondition_failed,          // a state-changing request whose precondition is false
  refused_without_credentials,  // a write sent without (or with wrong) credentials
  unrecognized_method,          // a method the server does not know (any method name)
};

struct AllowedStatuses {
  std::string_view source;  // "RFC 9110 §9.3.5, RFC 4918 §9.6"
  std::vector<int> codes;
};

// The statuses the RFCs allow for `outcome` of `method` (upper case, "DELETE"), or nullopt
// when the table has no such pair (a test asking for one has a bug). unrecognized_method
// is answered for any method name.
std::optional<AllowedStatuses> allowed_statuses(std::string_view method, HttpOutcome outcome);

// "status 200 or 202 or 204"
std::string statuses_text(const std::vector<int>& codes);

}  // namespace streamcheck::conformance
