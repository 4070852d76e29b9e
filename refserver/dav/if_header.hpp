// The If request header (RFC 4918 §10.4): parsed, evaluated against what the server knows
// of the resources it names, and the lock tokens it submits.
//
//   If: (<urn:uuid:x> ["etag"]) (Not <DAV:no-lock> ["etag"])     untagged: the request-URI
//   If: <http://h/a> (<urn:uuid:x>) </b> (["e1"])                 tagged: the named resources
//
// Whitespace (SP, HTAB) may stand between any two tokens; "Not" is matched without regard
// to case.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace streamcheck::dav {

struct IfCondition {
  bool negated = false;  // "Not"
  bool is_etag = false;  // [entity-tag] vs <state-token>
  // A state token without <>, e.g. "urn:uuid:..." or "DAV:no-lock"; an entity tag with its
  // quotes (and W/ if weak).
  std::string value;
  bool operator==(const IfCondition&) const = default;
};

struct IfList {
  // Tagged list: the Resource-Tag URI as written (without <>); nullopt: untagged (the
  // request-URI).
  std::optional<std::string> resource;
  std::vector<IfCondition> conditions;  // all must hold (AND)
  bool operator==(const IfList&) const = default;
};

struct IfHeader {
  std::vector<IfList> lists;  // any list that holds makes the header true (OR)
  bool operator==(const IfHeader&) const = default;
};

// nullopt when malformed (the caller answers 400): an empty header, an unclosed or empty
// list "()", a token that is not <...> or [...], text after the last list, a Resource-Tag
// with no list after it, or tagged and untagged lists mixed.
std::optional<IfHeader> parse_if_header(std::string_view value);

// What the server knows of one resource named by the header (tagged) or of the request-URI.
struct ResourceState {
  bool exists = false;
  std::string etag;                      // strong etag with quotes, "" if none
  std::vector<std::string> lock_tokens;  // tokens of the locks that cover it now
};

// RFC 4918 §10.4.2-§10.4.4: true when at least one list holds. A state-token condition
// holds when the token is one of state.lock_tokens; an etag condition when it equals
// state.etag (strong comparison: a weak tag never matches); "Not" inverts.
// `state_of(resource)` is called with the list's resource (nullopt for untagged).
bool evaluate_if_header(
    const IfHeader& header,
    const std::function<ResourceState(const std::optional<std::string>&)>& state_of);

// Every state token named in the header (not negated), once each in order of appearance,
// for the lock check (§10.4.1: a token is submitted by appearing in the If header).
std::vector<std::string> submitted_tokens(const IfHeader& header);

}  // namespace streamcheck::dav
