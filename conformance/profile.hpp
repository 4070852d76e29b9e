// What the target offers, found out once before any test runs and printed first: whether
// it takes writes (with the URL's credentials, or anonymously when the URL has none),
// whether it honours Range, sends ETags, speaks WebDAV, and what FTP's FEAT lists.
//
// A property test of an op the target does not offer is skipped with the reason found
// here, never failed: a server that ignores Range (RFC 9110 §14.2 lets it) has no range
// read whose memory, copies or descriptors could be judged.
#pragma once

#include <set>
#include <string>

#include "bench/lib/target.hpp"

namespace streamcheck::conformance {

// One thing the target may offer: yes, no, or not found out, with how we know.
struct Offer {
  enum class State { yes, no, unknown };
  State state = State::unknown;
  std::string how;  // "an anonymous PUT was answered 201", "206 to bytes=100-199", ...

  bool yes() const { return state == State::yes; }
  bool no() const { return state == State::no; }
};

struct Profile {
  // HTTP (when the target has an HTTP URL).
  bool http = false;
  bool http_credentials = false;  // the URL carries user:pass@
  Offer http_anonymous_writes;    // probed only when it does not
  Offer put;                      // a PUT of a small object (the Allow of OPTIONS / may
                                  // not list PUT: "/" is a collection)
  Offer multipart_post;           // a multipart/form-data POST into "/" that stores its file
  Offer range;                    // a Range GET of an object the suite made
  std::string etag;               // "strong", "weak", "none" ("" when not seen)
  std::string dav;                // the DAV header of OPTIONS / ("" when absent)
  std::string allow;              // the Allow header of OPTIONS / ("" when absent)

  // FTP (when the target has an FTP URL).
  bool ftp = false;
  bool ftp_credentials = false;
  Offer ftp_anonymous_writes;
  std::set<std::string> ftp_features;  // FEAT's lines ("SIZE", "REST STREAM", ...)

  // Whether the DAV header lists compliance class `n` (RFC 4918 §10.1: "1, 2, 3").
  bool dav_class(int n) const;

  // Whether the suite can upload over the protocol, and why not when it cannot.
  bool http_writes() const { return http_credentials || http_anonymous_writes.yes(); }
  bool ftp_writes() const { return ftp_credentials || ftp_anonymous_writes.yes(); }
  std::string why_no_http_writes() const;  // "" when it can
  std::string why_no_ftp_writes() const;

  // The lines printed before the tests ("  HTTP  writes: ...").
  std::string describe() const;
};

// Finds out what `target` offers, with a few small requests that leave nothing behind
// (objects named conformance-probe-PID-*, removed again).
Profile detect_profile(bench::Target& target);

}  // namespace streamcheck::conformance
