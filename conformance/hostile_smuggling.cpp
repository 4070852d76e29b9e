// Hostile input over HTTP, request smuggling shapes (the runner is hostile.cpp): framing
// that two parsers could read two ways — Transfer-Encoding folded, repeated or not last,
// chunk extensions and trailers that try to speak for the framing, Content-Length
// spelled oddly, field syntax that RFC 9112 makes a server reject. Where the RFC lets a
// server take the request, a 2xx passes only if it stored exactly what the chunked
// framing carried (check_refused_or_stored), so the framing was read one way.
#include <sys/socket.h>

#include <tuple>

#include "conformance/hostile.hpp"

namespace streamcheck::conformance::hostile {
namespace {

using namespace std::chrono_literals;

constexpr Requirement kObsFold{"RFC 9112 §5.2",
                               "A server MUST reject a request with obs-fold (400) or replace "
                               "each obs-fold with SP before interpreting the field value."};
constexpr Requirement kChunkedOnce{
    "RFC 9112 §6.1, §6.3",
    "chunked is applied once, last: a request that codes it otherwise is refused (400, or 501 "
    "for a coding the server does not understand), or read by the chunked framing alone."};
constexpr Requirement kNotLast{"RFC 9112 §6.3",
                               "When chunked is not the final transfer coding, the server MUST "
                               "answer 400 (501: §6.1) and then close the connection."};
constexpr Requirement kChunkExt{
    "RFC 9112 §7.1.1",
    "A recipient MUST ignore unknown chunk extensions; a server ought to limit their length "
    "and answer an appropriate 4xx beyond it."};
constexpr Requirement kTrailer{
    "RFC 9110 §6.5.1",
    "A recipient MUST NOT merge a trailer field into the header section unless its definition "
    "allows it: a trailer Content-Length, Transfer-Encoding or Host changes nothing."};
constexpr Requirement kLength{"RFC 9110 §8.6, RFC 9112 §6.3",
                              "Content-Length is 1*DIGIT: an invalid one is an unrecoverable "
                              "framing error, and the server MUST answer 400."};
constexpr Requirement kLengthList{
    "RFC 9110 §8.6",
    "A Content-Length list of one repeated value MAY be taken as that value, or rejected."};
constexpr Requirement kColon{"RFC 9112 §5.1",
                             "A server MUST reject (400) a request with whitespace between a "
                             "field name and its colon."};
constexpr Requirement kLeadingSpace{
    "RFC 9112 §2.2",
    "Whitespace between the start line and the first field: the recipient MUST reject the "
    "message or consume each whitespace-preceded line without further processing."};
constexpr Requirement kBareCr{"RFC 9112 §2.2",
                              "A bare CR in a field: the recipient MUST consider the element "
                              "invalid (400) or replace the CR with SP."};
constexpr Requirement kNul{"RFC 9110 §5.5",
                           "CR, LF or NUL in a field value: a recipient MUST reject the message "
                           "or replace each with SP."};
constexpr Requirement kChunkSize{"RFC 9112 §7.1",
                                 "chunk-size is 1*HEXDIG: any number of hex digits is a size, "
                                 "anything else a malformed chunk (400)."};

std::string put_head(const std::string& path, const std::string& extra) {
  return "PUT " + path + " HTTP/1.1\r\n" + write_headers() + extra;
}

// A PUT whose body is `body` under the header fields `fields` (each ending CRLF), judged
// by check_refused_or_stored: refused with one of `refusals`, or `expected` stored.
Case framed(const char* name, const char* object, Op needs, const Requirement& rule,
            std::string fields, std::string body, std::string expected, std::vector<int> refusals) {
  return Case{"BadInput",
              name,
              Proto::http,
              [=] {
                const auto path = victim(object);
                auto conn = suite().http_raw();
                // A server that stops reading after its answer must not hang the send.
                const timeval tv{10, 0};
                ::setsockopt(conn->fd(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
                conn->send(put_head(path, fields + "\r\n") + body);
                check_refused_or_stored(conn->read_http_response(), path, expected, refusals, rule);
              },
              object,
              needs};
}

std::string chunked_abc(const std::string& trailer = "") {
  return "3\r\nabc\r\n0\r\n" + trailer + "\r\n";
}

// Transfer-Encoding whose final coding is not chunked: 400 (501) and a close.
void chunked_not_last() {
  const std::string path = victim("te-not-last");
  auto conn = suite().http_raw();
  conn->send(put_head(path, "Transfer-Encoding: chunked, gzip\r\n\r\n") + chunked_abc());
  const auto r = conn->read_http_response();
  if (!check(r && (r->status == 400 || r->status == 501), kNotLast, "status 400 or 501",
             status_text(r)))
    return;
  check(conn->wait_closed(5s), kNotLast, "the connection closed after the response",
        "still open 5 s after " + status_text(r));
}

std::vector<Case> cases() {
  using O = Op;
  std::vector<Case> v;
  const std::string te = "Transfer-Encoding: chunked\r\n";
  // --- Transfer-Encoding shapes
  v.push_back(framed("HttpTransferEncodingObsFold", "te-fold", O::http_put_chunked, kObsFold,
                     "Transfer-Encoding:\r\n chunked\r\n", chunked_abc(), "abc", {400}));
  v.push_back(framed("HttpTransferEncodingTwoFieldLines", "te-twice", O::http_put_chunked,
                     kChunkedOnce, te + te, chunked_abc(), "abc", {400, 501}));
  v.push_back(framed("HttpTransferEncodingChunkedChunked", "te-chunked-chunked",
                     O::http_put_chunked, kChunkedOnce, "Transfer-Encoding: chunked, chunked\r\n",
                     chunked_abc(), "abc", {400, 501}));
  v.push_back(Case{"BadInput", "HttpTransferEncodingChunkedNotLast", Proto::http, chunked_not_last,
                   "te-not-last", O::http_put_chunked});
  // gzip, then chunked on a line of its own: the combined list ends in chunked, and the
  // body is no gzip stream; a server refuses it (501 for gzip it does not do, 400 for
  // what it cannot decode).
  v.push_back(framed("HttpTransferEncodingGzipLineThenChunkedLine", "te-gzip-chunked",
                     O::http_put_chunked, kChunkedOnce, "Transfer-Encoding: gzip\r\n" + te,
                     chunked_abc(), "not stored", {400, 501}));
  v.push_back(framed("HttpContentLengthWithObsFoldedTransferEncoding", "cl-te-fold",
                     O::http_put_chunked, kObsFold,
                     "Content-Length: 15\r\nTransfer-Encoding:\r\n chunked\r\n", chunked_abc(),
                     "abc", {400, 501}));
  // --- chunk extensions and sizes
  v.push_back(framed("HttpChunkExtensionOfOneMiB", "chunk-ext-1mib", O::http_put_chunked, kChunkExt,
                     te, "3;x=" + std::string(1 << 20, 'e') + "\r\nabc\r\n0\r\n\r\n", "abc",
                     {400, 413, 431}));
  v.push_back(framed("HttpTenThousandChunkExtensions", "chunk-ext-many", O::http_put_chunked,
                     kChunkExt, te,
                     [] {
                       std::string s = "3";
                       for (int i = 0; i < 10000; ++i) s += ";e" + std::to_string(i) + "=v";
                       return s + "\r\nabc\r\n0\r\n\r\n";
                     }(),
                     "abc", {400, 413, 431}));
  v.push_back(framed("HttpChunkSizeWithThirtyLeadingZeros", "chunk-zeros", O::http_put_chunked,
                     kChunkSize, te, std::string(30, '0') + chunked_abc(), "abc", {400, 413}));
  v.push_back(framed("HttpNegativeChunkSize", "chunk-negative", O::http_put_chunked, kChunkSize, te,
                     "-3\r\nabc\r\n0\r\n\r\n", "not stored", {400}));
  v.push_back(framed(
      "HttpHundredThousandOneByteChunks", "chunk-tiny", O::http_put_chunked,
      {"RFC 9112 §7.1", "Chunks of one byte each frame the body like any other."}, te,
      [] {
        std::string s;
        for (int i = 0; i < 100000; ++i) s += "1\r\n" + std::string(1, 'a' + i % 26) + "\r\n";
        return s + "0\r\n\r\n";
      }(),
      [] {
        std::string s;
        for (int i = 0; i < 100000; ++i) s += static_cast<char>('a' + i % 26);
        return s;
      }(),
      {400, 413}));
  // --- trailers that name framing or routing fields
  for (const auto& [name, object, field] :
       {std::tuple{"HttpTrailerContentLength", "trailer-cl", "Content-Length: 10\r\n"},
        std::tuple{"HttpTrailerTransferEncoding", "trailer-te", "Transfer-Encoding: chunked\r\n"},
        std::tuple{"HttpTrailerHost", "trailer-host", "Host: other.example\r\n"}})
    v.push_back(
        framed(name, object, O::http_put_chunked, kTrailer, te, chunked_abc(field), "abc", {400}));
  // --- Content-Length spellings
  for (const auto& [name, object, value] :
       {std::tuple{"HttpContentLengthWithPlusSign", "cl-plus", "+3"},
        std::tuple{"HttpContentLengthInHex", "cl-hex", "0x3"},
        std::tuple{"HttpContentLengthWithInnerSpace", "cl-space", "3 3"}})
    v.push_back(framed(name, object, O::http_put, kLength,
                       "Content-Length: " + std::string(value) + "\r\n", "abc", "not stored",
                       {400}));
  v.push_back(framed("HttpContentLengthListOfOneValue", "cl-list", O::http_put, kLengthList,
                     "Content-Length: 3, 3\r\n", "abc", "abc", {400}));
  v.push_back(framed("HttpSpaceBeforeColonInContentLength", "cl-colon", O::http_put, kColon,
                     "Content-Length : 3\r\n", "abc", "not stored", {400}));
  // --- field syntax on a read of the known object: refused, or read whole
  const auto read = [&v](const char* name, const Requirement& rule, std::string request) {
    v.push_back(Case{"BadInput", name, Proto::http,
                     [rule, request] {
                       check_whole_or(http_exchange("GET " + http_known().path + request), {400},
                                      rule);
                     },
                     "", O::http_put});
  };
  read("HttpWhitespaceLineBeforeFirstField", kLeadingSpace,
       " HTTP/1.1\r\n X-Before: 1\r\nHost: x\r\n\r\n");
  read("HttpObsFoldInAnOrdinaryField", kObsFold, " HTTP/1.1\r\nHost: x\r\nX-A: b\r\n c\r\n\r\n");
  read("HttpBareCrInAFieldValue", kBareCr, " HTTP/1.1\r\nHost: x\r\nX-A: b\rc\r\n\r\n");
  constexpr char kNulField[] = " HTTP/1.1\r\nHost: x\r\nX-A: b\0c\r\n\r\n";
  read("HttpNulInAFieldValue", kNul, std::string(kNulField, sizeof kNulField - 1));
  return v;
}

[[maybe_unused]] const bool registered = register_cases(cases(), __FILE__, __LINE__);

}  // namespace
}  // namespace streamcheck::conformance::hostile
