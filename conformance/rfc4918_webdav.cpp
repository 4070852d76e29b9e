// RFC 4918 WebDAV, the subset a file store needs: OPTIONS (DAV, Allow), MKCOL, DELETE,
// and PUT into a missing collection. Skipped for servers that do not say DAV.
#include "conformance/raw.hpp"

namespace streamcheck::conformance {
namespace {

// RFC 4918 §10.1: a class 1 server says so in the DAV header of OPTIONS. One that only
// allows MKCOL, say, is no WebDAV server and is not judged as one.
#define SKIP_UNLESS_DAV()                                                    \
  do {                                                                       \
    SKIP_UNLESS_HTTP();                                                      \
    if (!suite().profile().dav_class(1))                                     \
      GTEST_SKIP() << "OPTIONS / has no DAV header listing class 1 (DAV: \"" \
                   << suite().profile().dav << "\"): not a WebDAV server";   \
    SKIP_UNLESS_HTTP_WRITES();                                               \
  } while (0)

std::string request(const std::string& method, const std::string& path,
                    const std::string& body = "") {
  return method + " " + path + " HTTP/1.1\r\n" + write_headers() +
         (body.empty() && method != "PUT"
              ? ""
              : "Content-Length: " + std::to_string(body.size()) + "\r\n") +
         "\r\n" + body;
}

TEST(Rfc4918Webdav, OptionsAdvertisesDavAndMethods) {
  SKIP_UNLESS_DAV();
  const auto r = http_exchange("OPTIONS / HTTP/1.1\r\nHost: x\r\n\r\n");
  constexpr Requirement req{"RFC 4918 §10.1, §18",
                            "OPTIONS names the DAV compliance class and the allowed methods."};
  CHECK_STATUS(r, req, 200, 204);
  if (r)
    check(!r->header("DAV").empty() && !r->header("Allow").empty(), req,
          "a DAV header (\"1\") and an Allow header",
          "DAV: \"" + r->header("DAV") + "\", Allow: \"" + r->header("Allow") + "\"");
}

TEST(Rfc4918Webdav, MkcolCreates201ThenExistingIs405) {
  SKIP_UNLESS_DAV();
  const auto dir = suite().http_dir("rfc") + fresh_name("made") + "/";
  CHECK_STATUS(http_exchange(request("MKCOL", dir)),
               (Requirement{"RFC 4918 §9.3.1", "MKCOL creates a collection: 201."}), 201);
  CHECK_STATUS(http_exchange(request("MKCOL", dir)),
               (Requirement{"RFC 4918 §9.3.1", "MKCOL on an existing resource: 405."}), 405);
}

TEST(Rfc4918Webdav, MkcolWithMissingParentIs409) {
  SKIP_UNLESS_DAV();
  CHECK_STATUS(http_exchange(request("MKCOL", suite().http_dir("rfc") + "no/such/parent/")),
               (Requirement{"RFC 4918 §9.3.1", "MKCOL whose parent does not exist: 409."}), 409);
}

TEST(Rfc4918Webdav, MkcolWithUnknownBodyIs415) {
  SKIP_UNLESS_DAV();
  CHECK_STATUS(
      http_exchange(request("MKCOL", suite().http_dir("rfc") + "with-body/", "abc")),
      (Requirement{"RFC 4918 §9.3.1", "MKCOL with a body the server does not understand: 415."}),
      415);
}

TEST(Rfc4918Webdav, PutWithMissingParentIs409) {
  SKIP_UNLESS_DAV();
  SKIP_UNLESS_APPLIES(Op::http_put);  // --without http-put: no PUT to test with
  CHECK_STATUS(
      http_exchange(request("PUT", suite().http_dir("rfc") + "none/here/x.bin", "abc")),
      (Requirement{"RFC 4918 §9.7.1", "A PUT whose parent collection does not exist: 409."}), 409);
}

TEST(Rfc4918Webdav, DeleteGives204ThenIs404) {
  SKIP_UNLESS_DAV();
  SKIP_UNLESS_APPLIES(Op::http_put);  // --without http-put: no PUT to test with
  const auto path = suite().http_dir("rfc") + "to-delete.bin";
  http_exchange(request("PUT", path, "abc"));
  CHECK_STATUS(http_exchange(request("DELETE", path)),
               (Requirement{"RFC 4918 §9.6, RFC 9110 §9.3.5",
                            "DELETE of a file succeeds: 204 "
                            "(or 200)."}),
               204, 200);
  CHECK_STATUS(http_exchange("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n"),
               (Requirement{"RFC 9110 §9.3.5", "After DELETE the object is gone: 404."}), 404);
  CHECK_STATUS(http_exchange(request("DELETE", path)),
               (Requirement{"RFC 9110 §9.3.5", "DELETE of a missing object: 404."}), 404);
}

TEST(Rfc4918Webdav, DeleteOfAnEmptyCollectionGives204) {
  SKIP_UNLESS_DAV();
  const auto dir = suite().http_dir("rfc") + "empty-dir/";
  http_exchange(request("MKCOL", dir));
  CHECK_STATUS(http_exchange(request("DELETE", dir)),
               (Requirement{"RFC 4918 §9.6.1", "DELETE of a collection removes it: 204."}), 204,
               200);
}

}  // namespace
}  // namespace streamcheck::conformance
