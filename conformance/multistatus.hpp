// The XML bodies of WebDAV replies (RFC 4918 §14), read the way the suite judges any
// server: by namespace and local name, never by prefix, with expat. The body is fed in
// pieces as it arrives and each DAV:response is handed over once it is complete, so a
// 207 of 100 000 responses is never held whole: only what the caller keeps stays.
//
//   DavReplyParser p([&](DavResponse&& r) { ... });   // or no callback: kept in responses()
//   p.feed(piece); ...; p.finish();                     // false once the XML is malformed
//
// Understood: a DAV:multistatus (its responses: hrefs, status, propstats, DAV:error,
// lockdiscovery), a root DAV:error (precondition codes such as propfind-finite-depth,
// lock-token-submitted, no-conflicting-lock) and a root DAV:prop (a LOCK reply's
// lockdiscovery). Anything else parses and is ignored.
#pragma once

#include <compare>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace streamcheck::conformance {

// An element's expanded name: namespace URI and local name ("DAV:", "getetag").
struct XmlName {
  std::string ns;
  std::string local;
  auto operator<=>(const XmlName&) const = default;
  std::string text() const { return "{" + ns + "}" + local; }  // "{DAV:}getetag"
};
inline XmlName dav_name(std::string local) {
  return {"DAV:", std::move(local)};
}

// A property as a propstat reports it.
struct DavProperty {
  int status = 0;                 // of its propstat ("HTTP/1.1 404 Not Found": 404)
  std::string text;               // its character data, descendants' included, as sent
  std::vector<XmlName> children;  // its direct child elements (resourcetype: collection)
};

// A DAV:activelock (RFC 4918 §14.1), from a LOCK reply or a lockdiscovery property.
struct ActiveLock {
  std::string scope;     // "exclusive" or "shared" (the lockscope's child)
  std::string type;      // "write"
  std::string depth;     // "0", "infinity", as sent (trimmed)
  std::string timeout;   // "Second-600", "Infinite" (trimmed)
  std::string token;     // the locktoken's href (trimmed): "opaquelocktoken:..."
  std::string lockroot;  // the lockroot's href, percent-decoded
  std::string owner;     // the owner's character data
};

// A DAV:response of a multistatus.
struct DavResponse {
  std::vector<std::string> hrefs;  // percent-decoded, as sent (a path or an absolute URI)
  int status = 0;                  // its own DAV:status (COPY/DELETE failures), else 0
  std::vector<int> propstat_statuses;
  std::map<XmlName, DavProperty> properties;
  std::vector<XmlName> errors;  // the children of its DAV:error
  std::vector<ActiveLock> locks;
  std::string description;  // its responsedescription

  const DavProperty* property(const XmlName& name) const;
};

class DavReplyParser {
 public:
  using OnResponse = std::function<void(DavResponse&&)>;
  // With `on_response`, each response goes to it and is not kept.
  explicit DavReplyParser(OnResponse on_response = {});
  ~DavReplyParser();
  DavReplyParser(const DavReplyParser&) = delete;
  DavReplyParser& operator=(const DavReplyParser&) = delete;

  // Parses the next piece of the body; false once the XML is malformed (error() says why).
  bool feed(std::string_view piece);
  // Ends the body: false when it was malformed or incomplete.
  bool finish();
  const std::string& error() const;

  const XmlName& root() const;                   // the document element ({} before one)
  std::vector<DavResponse>& responses();         // without a callback: every response
  const std::vector<XmlName>& errors() const;    // a root DAV:error's children
  const std::vector<ActiveLock>& locks() const;  // activelocks outside any response
  std::size_t response_count() const;            // handed over or kept

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A whole body at once (a test's small reply), with what it held.
struct DavReply {
  bool ok = false;
  std::string error;  // why not ok
  XmlName root;
  std::vector<DavResponse> responses;
  std::vector<XmlName> errors;
  std::vector<ActiveLock> locks;
};
DavReply parse_dav_reply(std::string_view body);

// "%C3%A9t%C3%A9" -> "été" (bench::percent_decode); with a malformed escape, as sent.
std::string decoded_href(std::string_view s);
// The path of an href: "http://host:80/a/b" -> "/a/b", "/a/b" -> "/a/b" (no decoding).
std::string href_path(std::string_view href);
// 404 for "HTTP/1.1 404 Not Found"; 0 when it is no status line.
int status_of_line(std::string_view line);

}  // namespace streamcheck::conformance
