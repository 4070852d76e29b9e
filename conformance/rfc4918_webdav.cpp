// RFC 4918 WebDAV, the subset a file store needs: OPTIONS (DAV, Allow), MKCOL, DELETE,
// and PUT into a missing collection. Skipped for servers that do not say DAV.
#include <chrono>
#include <optional>
#include <thread>

#include "conformance/dav.hpp"

namespace streamcheck::conformance {
namespace {

std::string request(const std::string& method, const std::string& path,
                    const std::string& body = "") {
  return method + " " + path + " HTTP/1.1\r\n" + write_headers() +
         (body.empty() && method != "PUT"
              ? ""
              : "Content-Length: " + std::to_string(body.size()) + "\r\n") +
         "\r\n" + body;
}

// The DAV header is a MUST of every WebDAV resource (RFC 4918 §10.1); Allow is what an
// OPTIONS response SHOULD carry (RFC 9110 §9.3.7).
TEST(Rfc4918Webdav, OptionsAdvertisesDavAndMethods) {
  SKIP_UNLESS_DAV();
  const auto r = http_exchange("OPTIONS / HTTP/1.1\r\nHost: x\r\n\r\n");
  if (!check_outcome(r, "OPTIONS", HttpOutcome::ok, "OPTIONS / is answered 200 (or 204).")) return;
  check(!r->header("DAV").empty(),
        {"RFC 4918 §10.1", "OPTIONS of a WebDAV resource names its compliance classes (DAV)."},
        "a DAV header (\"1\")", "DAV: \"" + r->header("DAV") + "\"");
  check(!r->header("Allow").empty(),
        {"RFC 9110 §9.3.7", "OPTIONS names the features of the target, such as Allow.",
         Level::should},
        "an Allow header", "Allow: \"" + r->header("Allow") + "\"");
}

TEST(Rfc4918Webdav, MkcolCreates201ThenExistingIs405) {
  SKIP_UNLESS_DAV();
  const auto dir = suite().http_dir("rfc") + fresh_name("made") + "/";
  check_outcome(http_exchange(request("MKCOL", dir)), "MKCOL", HttpOutcome::created,
                "MKCOL creates a collection: 201.");
  check_outcome(http_exchange(request("MKCOL", dir)), "MKCOL", HttpOutcome::exists,
                "MKCOL on an existing resource: 405.");
}

TEST(Rfc4918Webdav, MkcolWithMissingParentIs409) {
  SKIP_UNLESS_DAV();
  check_outcome(http_exchange(request("MKCOL", suite().http_dir("rfc") + "no/such/parent/")),
                "MKCOL", HttpOutcome::parent_missing, "MKCOL whose parent does not exist: 409.");
}

TEST(Rfc4918Webdav, MkcolWithUnknownBodyIs415) {
  SKIP_UNLESS_DAV();
  check_outcome(http_exchange(request("MKCOL", suite().http_dir("rfc") + "with-body/", "abc")),
                "MKCOL", HttpOutcome::unsupported_body,
                "MKCOL with a body the server does not understand: 415.");
}

TEST(Rfc4918Webdav, PutWithMissingParentIs409) {
  SKIP_UNLESS_DAV();
  SKIP_UNLESS_APPLIES(Op::http_put);  // --without http-put: no PUT to test with
  check_outcome(http_exchange(request("PUT", suite().http_dir("rfc") + "none/here/x.bin", "abc")),
                "PUT", HttpOutcome::parent_missing,
                "A PUT whose parent collection does not exist MUST fail: 409.");
}

// A DELETE answered 202 is accepted but maybe not yet enacted (RFC 9110 §9.3.5): the
// object may be served a little longer. Waits up to 5 s for it to go.
std::optional<bench::RawHttpResponse> get_until_gone(const std::string& path, bool accepted) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(accepted ? 5 : 0);
  for (;;) {
    auto r = http_exchange("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
    if (outcome_is(r, "GET", HttpOutcome::missing) || std::chrono::steady_clock::now() >= deadline)
      return r;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

TEST(Rfc4918Webdav, DeleteOfAFileSucceedsThenItIsGone) {
  SKIP_UNLESS_DAV();
  SKIP_UNLESS_APPLIES(Op::http_put);  // --without http-put: no PUT to test with
  const auto path = suite().http_dir("rfc") + "to-delete.bin";
  ASSERT_TRUE(outcome_is(http_exchange(request("PUT", path, "abc")), "PUT", HttpOutcome::stored))
      << "the PUT of the file to delete was not taken";
  const auto del = http_exchange(request("DELETE", path));
  if (!check_outcome(del, "DELETE", HttpOutcome::deleted,
                     "DELETE of a file succeeds: 200, 202 or 204."))
    return;
  check_outcome(get_until_gone(path, del->status == 202), "GET", HttpOutcome::missing,
                "After DELETE the object is gone: 404 (or 410).");
  check_outcome(http_exchange(request("DELETE", path)), "DELETE", HttpOutcome::missing,
                "DELETE of a missing object: 404 (or 410).");
}

TEST(Rfc4918Webdav, DeleteOfAnEmptyCollectionSucceeds) {
  SKIP_UNLESS_DAV();
  const auto dir = suite().http_dir("rfc") + fresh_name("empty-dir") + "/";
  ASSERT_TRUE(outcome_is(http_exchange(request("MKCOL", dir)), "MKCOL", HttpOutcome::created))
      << "the MKCOL of the collection to delete was not taken";
  const auto del = http_exchange(request("DELETE", dir));
  if (!check_outcome(del, "DELETE", HttpOutcome::deleted,
                     "DELETE of a collection removes it: 200, 202 or 204."))
    return;
  check_outcome(get_until_gone(dir, del->status == 202), "GET", HttpOutcome::missing,
                "After DELETE the collection is gone: 404 (or 410).");
}

}  // namespace
}  // namespace streamcheck::conformance
