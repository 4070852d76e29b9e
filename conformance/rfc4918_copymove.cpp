// RFC 4918 §9.8 COPY and §9.9 MOVE, judged by their statuses and by what a GET finds
// afterwards: a copy is byte-exact, Overwrite: F keeps the destination, a missing parent
// is a conflict, Depth decides what a collection's copy takes, a move leaves nothing at
// its source, a move onto itself and a destination on another server destroy nothing.
// Skipped for a server without COPY or MOVE (405/501, dav.hpp).
#include "conformance/dav.hpp"

namespace streamcheck::conformance {
namespace {

std::string destination(const std::string& path) {
  return "Destination: " + dav_url(path) + "\r\n";
}

std::string found(const std::optional<std::string>& body) {
  return body ? std::to_string(body->size()) + " bytes" : std::string("no 200 to GET");
}

// After a MOVE that was refused, its source is still there, whole.
void expect_source_kept(const Known& source) {
  const auto got = dav_get(source.path);
  check(got == source.content, {"RFC 4918 §9.9", "A MOVE that failed keeps its source."},
        "the source's " + std::to_string(source.content.size()) + " bytes", found(got));
}

TEST(Rfc4918CopyMove, CopyCreates201ThenOverwrites204) {
  SKIP_UNLESS_DAV_OFFERS("COPY");
  const auto a = http_object(fresh_name("source", ".bin"), "copymove");
  const auto to = suite().http_dir("copymove") + fresh_name("copy", ".bin");
  check_outcome(dav("COPY", a.path, destination(to)), "COPY", HttpOutcome::created,
                "COPY to a new resource: 201.");
  auto got = dav_get(to);
  check(got == a.content, {"RFC 4918 §9.8", "COPY creates a duplicate of the source."},
        std::to_string(a.content.size()) + " bytes, the source's", found(got));
  const auto b = http_object(fresh_name("other", ".bin"), "copymove");
  check_outcome(dav("COPY", b.path, destination(to) + "Overwrite: T\r\n"), "COPY",
                HttpOutcome::replaced, "COPY onto an existing resource: 204.");
  got = dav_get(to);
  check(got == b.content, {"RFC 4918 §9.8.4", "With Overwrite T the destination is replaced."},
        std::to_string(b.content.size()) + " bytes, the second source's", found(got));
}

TEST(Rfc4918CopyMove, OverwriteFalseOntoAnExistingResourceIs412) {
  SKIP_UNLESS_DAV_OFFERS("COPY");
  SKIP_UNLESS_DAV_OFFERS("MOVE");
  const auto a = http_object(fresh_name("source", ".bin"), "copymove");
  const auto b = http_object(fresh_name("kept", ".bin"), "copymove");
  for (const std::string method : {"COPY", "MOVE"}) {
    const auto r = dav(method, a.path, destination(b.path) + "Overwrite: F\r\n");
    check_outcome(r, method, HttpOutcome::precondition_failed,
                  method + " with Overwrite: F onto an existing resource: 412.");
    const auto got = dav_get(b.path);
    check(got == b.content, {"RFC 4918 §10.6", "Overwrite: F leaves the destination as it was."},
          "the destination's own " + std::to_string(b.content.size()) + " bytes", found(got));
    if (method == "MOVE" && r && r->status >= 400) expect_source_kept(a);
  }
}

TEST(Rfc4918CopyMove, DestinationWithAMissingParentIs409) {
  SKIP_UNLESS_DAV_OFFERS("COPY");
  SKIP_UNLESS_DAV_OFFERS("MOVE");
  const auto a = http_object(fresh_name("source", ".bin"), "copymove");
  const auto to = suite().http_dir("copymove") + fresh_name("no-parent") + "/x.bin";
  for (const std::string method : {"COPY", "MOVE"}) {
    const auto r = dav(method, a.path, destination(to));
    check_outcome(r, method, HttpOutcome::parent_missing,
                  method + " into a collection that does not exist: 409.");
    if (method == "MOVE" && r && r->status >= 400) expect_source_kept(a);
  }
}

// A collection with two files, copied at each depth; a Depth 1 PROPFIND of the copy
// tells which members came along.
TEST(Rfc4918CopyMove, CollectionCopyTakesMembersOnlyAtDepthInfinity) {
  SKIP_UNLESS_DAV_OFFERS("COPY");
  SKIP_UNLESS_DAV_OFFERS("PROPFIND");
  const auto dir = dav_collection("copymove", "tree");
  ASSERT_FALSE(dir.empty()) << "MKCOL of the collection to copy";
  ASSERT_TRUE(dav_put(dir + "one.bin", "1") && dav_put(dir + "two.bin", "22"));
  for (const std::string depth : {"infinity", "0"}) {
    const auto to = suite().http_dir("copymove") + fresh_name("tree-copy-" + depth) + "/";
    if (!check_outcome(dav("COPY", dir, destination(to) + "Depth: " + depth + "\r\n"), "COPY",
                       HttpOutcome::created, "COPY of a collection, Depth " + depth + ": 201."))
      continue;
    const auto r = dav("PROPFIND", to, "Depth: 1\r\n", propfind_body({dav_name("resourcetype")}));
    const auto xml = dav_xml(r);
    std::size_t members = 0;
    for (const auto& resp : xml.responses)
      for (const auto& h : resp.hrefs)
        members += href_path(h).ends_with("/one.bin") || href_path(h).ends_with("/two.bin");
    if (depth == "infinity") {
      check(members == 2 && dav_get(to + "two.bin") == "22",
            {"RFC 4918 §9.8.3", "COPY Depth infinity copies the collection and all its members."},
            "one.bin and two.bin in the copy, two.bin's 2 bytes",
            std::to_string(members) + " member(s): " + dav_text(r));
    } else {
      check(xml.ok && r->status == 207 && members == 0,
            {"RFC 4918 §9.8.3", "COPY Depth 0 copies the collection and not its members."},
            "an empty collection", std::to_string(members) + " member(s): " + dav_text(r));
    }
  }
}

TEST(Rfc4918CopyMove, MoveLeavesNothingAtTheSourceAndAByteExactDestination) {
  SKIP_UNLESS_DAV_OFFERS("MOVE");
  const auto a = http_object(fresh_name("source", ".bin"), "copymove");
  const auto to = suite().http_dir("copymove") + fresh_name("moved", ".bin");
  check_outcome(dav("MOVE", a.path, destination(to)), "MOVE", HttpOutcome::created,
                "MOVE to a new resource: 201.");
  check_outcome(dav("GET", a.path), "GET", HttpOutcome::missing,
                "After MOVE the source is gone: 404 (or 410).");
  const auto got = dav_get(to);
  check(got == a.content, {"RFC 4918 §9.9", "MOVE puts the source's content at the destination."},
        std::to_string(a.content.size()) + " bytes, the source's", found(got));
}

// §9.8.5 and §9.9.4 recommend 403 when source and destination are the same; a 2xx would
// mean the resource was deleted as the old destination, or a success that did nothing.
TEST(Rfc4918CopyMove, MoveOntoItselfDestroysNothing) {
  SKIP_UNLESS_DAV_OFFERS("MOVE");
  const auto a = http_object(fresh_name("self", ".bin"), "copymove");
  const auto r = dav("MOVE", a.path, destination(a.path) + "Overwrite: T\r\n");
  check(r && r->status == 403,
        {"RFC 4918 §9.9.4", "MOVE onto itself: 403 is recommended.", Level::should}, "status 403",
        status_text(r));
  const auto got = dav_get(a.path);
  check(got == a.content, {"RFC 4918 §9.9", "A MOVE onto itself leaves the resource whole."},
        std::to_string(a.content.size()) + " bytes, as before", found(got));
}

// §10.3: "If the source server cannot attempt a copy to the remote server, it MUST fail
// the request." 192.0.2.1 (TEST-NET-1, RFC 5737) is reachable by nobody, so no server can
// have copied there; one that ignores the authority and copies to the path on itself has
// made a resource nobody asked for.
TEST(Rfc4918CopyMove, DestinationOnAnotherServerFailsAndMakesNothingHere) {
  SKIP_UNLESS_DAV_OFFERS("COPY");
  SKIP_UNLESS_DAV_OFFERS("MOVE");
  for (const std::string method : {"COPY", "MOVE"}) {
    const auto a = http_object(fresh_name("source", ".bin"), "copymove");
    const auto path = suite().http_dir("copymove") + fresh_name("elsewhere", ".bin");
    const auto r = dav(method, a.path, "Destination: http://192.0.2.1:9" + path + "\r\n");
    check(r && r->status >= 400,
          {"RFC 4918 §10.3", "A copy to a server the source cannot reach fails."},
          method + ": a 4xx or 5xx status", status_text(r));
    check(r && r->status == 502,
          {"RFC 4918 §9.8.5, §9.9.4", "A destination on another server: 502.", Level::should},
          method + ": status 502", status_text(r));
    check_outcome(dav("GET", path), "GET", HttpOutcome::missing,
                  method + " to another server makes nothing at that path here.");
    if (method == "MOVE" && r && r->status >= 400) expect_source_kept(a);
  }
}

}  // namespace
}  // namespace streamcheck::conformance
