// RFC 4918 §6, §7, §9.10, §9.11 write locks, for a server that says class 2 in its DAV
// header (else skipped, dav.hpp): a lock is granted with its token, keeps out every
// write that does not submit it (PUT, DELETE, MOVE, a new member of a locked
// collection), lets in the one that does (If, §10.4), conflicts as its scope says, is
// refreshed and released, and on an unmapped URL makes an empty resource.
#include "conformance/dav.hpp"

namespace streamcheck::conformance {
namespace {

constexpr std::string_view k910 = "RFC 4918 §9.10";

struct Lock {
  std::optional<bench::RawHttpResponse> reply;
  std::string token;  // from the Lock-Token header, without "<>"
  std::string path;
  ~Lock() {  // release it, so that no later test or run meets it
    if (!token.empty()) dav("UNLOCK", path, "Lock-Token: <" + token + ">\r\n");
  }
  std::string if_header() const { return "If: (<" + token + ">)\r\n"; }
};

std::string lockinfo(std::string_view scope) {
  return "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<D:lockinfo "
         "xmlns:D=\"DAV:\"><D:lockscope><D:" +
         std::string(scope) +
         "/></D:lockscope><D:locktype><D:write/></D:locktype><D:owner>streamcheck "
         "conformance</D:owner></D:lockinfo>";
}

std::unique_ptr<Lock> take_lock(const std::string& path, std::string_view scope = "exclusive",
                                std::string_view depth = "0") {
  auto l = std::make_unique<Lock>();
  l->path = path;
  l->reply = dav("LOCK", path, "Timeout: Second-600\r\nDepth: " + std::string(depth) + "\r\n",
                 lockinfo(scope));
  if (l->reply && l->reply->status < 300) {
    auto t = l->reply->header("Lock-Token");
    if (t.size() >= 2 && t.front() == '<' && t.back() == '>') t = t.substr(1, t.size() - 2);
    l->token = t;
  }
  return l;
}

#define SKIP_UNLESS_LOCKS() SKIP_UNLESS_DAV_OFFERS("LOCK")

// The lock taken for a test: 200 (a mapped URL) with a token, else the test stops.
#define ASSERT_LOCKED(l)                                                               \
  ASSERT_TRUE((l)->reply && (l)->reply->status == 200 && !(l)->token.empty())          \
      << "LOCK of " << (l)->path << ": " << dav_text((l)->reply) << " (Lock-Token: \"" \
      << ((l)->reply ? (l)->reply->header("Lock-Token") : "") << "\")"

TEST(Rfc4918Locks, AnExclusiveLockIsGrantedWithItsToken) {
  SKIP_UNLESS_LOCKS();
  const auto file = http_object(fresh_name("locked", ".bin"), "locks");
  const auto l = take_lock(file.path);
  if (!CHECK_STATUS(l->reply,
                    (Requirement{"RFC 4918 §9.10.7",
                                 "A LOCK of a mapped URL that "
                                 "succeeds is 200."}),
                    200))
    return;
  check(!l->token.empty(),
        {"RFC 4918 §10.5", "A successful LOCK that creates a lock names its token in Lock-Token."},
        "Lock-Token: <token>", "Lock-Token: \"" + l->reply->header("Lock-Token") + "\"");
  const auto xml = dav_xml(l->reply);
  const ActiveLock* granted = xml.ok && xml.locks.size() == 1 ? &xml.locks[0] : nullptr;
  check(xml.ok && xml.root == dav_name("prop") && granted && granted->token == l->token &&
            granted->scope == "exclusive" && granted->type == "write",
        {"RFC 4918 §9.10.1",
         "The reply's body is a DAV:prop with the lockdiscovery of the new "
         "lock: its token, scope and type."},
        "one activelock, exclusive write, token " + l->token, dav_text(l->reply));
}

TEST(Rfc4918Locks, AWriteWithoutTheTokenIs423AndWithItSucceeds) {
  SKIP_UNLESS_LOCKS();
  const auto file = http_object(fresh_name("locked", ".bin"), "locks");
  const auto l = take_lock(file.path);
  ASSERT_LOCKED(l);
  const auto refused = dav("PUT", file.path, "", "intruder");
  CHECK_STATUS(refused,
               (Requirement{"RFC 4918 §7, §11.3",
                            "A PUT to a locked resource "
                            "without its token is 423."}),
               423);
  check(dav_get(file.path) == file.content,
        {"RFC 4918 §7",
         "A write lock keeps others' "
         "writes out."},
        "the locked content, unchanged", "changed or unreadable");
  const auto allowed = dav("PUT", file.path, l->if_header(), "owner's");
  check_outcome(allowed, "PUT", HttpOutcome::replaced,
                "A PUT that submits the lock token in If is done: 200 or 204.");
  check(dav_get(file.path) == "owner's",
        {"RFC 4918 §10.4",
         "A write submitting the token is "
         "made."},
        "\"owner's\"", "other content");
}

TEST(Rfc4918Locks, ASecondExclusiveLockIs423) {
  SKIP_UNLESS_LOCKS();
  const auto file = http_object(fresh_name("locked", ".bin"), "locks");
  const auto first = take_lock(file.path);
  ASSERT_LOCKED(first);
  for (const auto* scope : {"exclusive", "shared"}) {
    const auto second = take_lock(file.path, scope);
    CHECK_STATUS(second->reply,
                 (Requirement{"RFC 4918 §6.1, §9.10.6",
                              "A lock that conflicts with an "
                              "exclusive one is refused: 423."}),
                 423);
  }
}

TEST(Rfc4918Locks, SharedLocksCoexist) {
  SKIP_UNLESS_LOCKS();
  const auto file = http_object(fresh_name("shared", ".bin"), "locks");
  const auto a = take_lock(file.path, "shared");
  ASSERT_LOCKED(a);
  const auto b = take_lock(file.path, "shared");
  if (!CHECK_STATUS(b->reply,
                    (Requirement{"RFC 4918 §6.2",
                                 "A shared lock is granted beside "
                                 "another shared lock."}),
                    200))
    return;
  check(!b->token.empty() && b->token != a->token,
        {"RFC 4918 §6.5", "Each lock has a token of its own."}, "two different tokens",
        a->token + " and " + b->token);
}

TEST(Rfc4918Locks, UnlockWithTheTokenIs204AndFreesTheResource) {
  SKIP_UNLESS_LOCKS();
  const auto file = http_object(fresh_name("unlock", ".bin"), "locks");
  auto l = take_lock(file.path);
  ASSERT_LOCKED(l);
  const auto r = dav("UNLOCK", file.path, "Lock-Token: <" + l->token + ">\r\n");
  if (CHECK_STATUS(r, (Requirement{"RFC 4918 §9.11.1", "A successful UNLOCK is 204."}), 204))
    l->token.clear();
  check_outcome(dav("PUT", file.path, "", "free"), "PUT", HttpOutcome::replaced,
                "After UNLOCK a PUT without a token is done: 200 or 204.");
}

TEST(Rfc4918Locks, ALockOnAnUnmappedUrlCreatesAnEmptyResource) {
  SKIP_UNLESS_LOCKS();
  const auto path = suite().http_dir("locks") + fresh_name("unmapped", ".bin");
  const auto l = take_lock(path);
  if (!CHECK_STATUS(l->reply,
                    (Requirement{"RFC 4918 §7.3, §9.10.4",
                                 "A LOCK of an unmapped URL "
                                 "succeeds."}),
                    200, 201))
    return;
  CHECK_STATUS(
      l->reply,
      (Requirement{"RFC 4918 §9.10.6", "A LOCK that created its resource is 201.", Level::should}),
      201);
  const auto got = dav_get(path);
  check(got && got->empty(),
        {"RFC 4918 §7.3", "The resource a LOCK creates is a non-collection with empty content."},
        "GET 200 with 0 bytes", got ? std::to_string(got->size()) + " bytes" : "no 200 to GET");
}

TEST(Rfc4918Locks, ARefreshWithIfAndNoBodyKeepsTheToken) {
  SKIP_UNLESS_LOCKS();
  const auto file = http_object(fresh_name("refresh", ".bin"), "locks");
  const auto l = take_lock(file.path);
  ASSERT_LOCKED(l);
  const auto r = dav("LOCK", file.path, l->if_header() + "Timeout: Second-300\r\n");
  if (!CHECK_STATUS(r,
                    (Requirement{"RFC 4918 §9.10.2",
                                 "A refresh (LOCK with If and no "
                                 "body) succeeds: 200."}),
                    200))
    return;
  const auto xml = dav_xml(r);
  check(xml.ok && xml.locks.size() == 1 && xml.locks[0].token == l->token,
        {"RFC 4918 §9.10.2", "The refresh answers the lock's lockdiscovery, same token."},
        "one activelock with token " + l->token, dav_text(r));
}

TEST(Rfc4918Locks, ADepthInfinityLockKeepsNewMembersOut) {
  SKIP_UNLESS_LOCKS();
  const auto dir = dav_collection("locks", "locked-dir");
  ASSERT_FALSE(dir.empty()) << "MKCOL of the collection to lock";
  const auto l = take_lock(dir, "exclusive", "infinity");
  ASSERT_LOCKED(l);
  const auto member = dir + "new.bin";
  const auto refused = dav("PUT", member, "", "x");
  // Apache refuses it with a 207 holding a 423 response for the locked collection: a
  // refusal all the same (the MUST), though not the plain 423 of §9.10.3 (a SHOULD here).
  const auto xml = dav_xml(refused);
  bool locked_inside = false;
  for (const auto& resp : xml.responses) locked_inside = locked_inside || resp.status == 423;
  check(refused && (refused->status == 423 || (refused->status == 207 && locked_inside)),
        {"RFC 4918 §7.4, §9.10.3",
         "Adding a member to a collection locked at Depth infinity "
         "without the token is refused: 423 (Locked)."},
        "status 423, or a 207 reporting 423", dav_text(refused));
  check(refused && refused->status == 423,
        {"RFC 4918 §9.10.3", "The refusal is 423 (Locked).", Level::should}, "status 423",
        status_text(refused));
  check_outcome(dav("GET", member), "GET", HttpOutcome::missing,
                "The refused member was not created.");
  // The token goes tagged with the collection it locks (RFC 4918 §10.4.2): an untagged
  // list names the new member, which has no state of its own yet.
  const auto tagged = "If: <" + dav_url(dir) + "> (<" + l->token + ">)\r\n";
  check_outcome(dav("PUT", member, tagged, "x"), "PUT", HttpOutcome::created,
                "With the collection's token submitted, the new member is created: 201.");
}

TEST(Rfc4918Locks, DeleteOrMoveOfALockedFileWithoutTheTokenIs423) {
  SKIP_UNLESS_LOCKS();
  const auto file = http_object(fresh_name("locked", ".bin"), "locks");
  const auto l = take_lock(file.path);
  ASSERT_LOCKED(l);
  CHECK_STATUS(dav("DELETE", file.path),
               (Requirement{"RFC 4918 §7, §9.6",
                            "DELETE of a locked resource without its "
                            "token: 423."}),
               423);
  if (dav_lacks("MOVE").empty()) {
    const auto to = suite().http_dir("locks") + fresh_name("escaped", ".bin");
    CHECK_STATUS(dav("MOVE", file.path, "Destination: " + dav_url(to) + "\r\n"),
                 (Requirement{"RFC 4918 §7, §9.9.4",
                              "MOVE of a locked resource without its "
                              "token: 423."}),
                 423);
  }
  check(dav_get(file.path) == file.content,
        {"RFC 4918 §7", "The locked resource is still there, unchanged."}, "the locked content",
        "gone or changed");
}

}  // namespace
}  // namespace streamcheck::conformance
