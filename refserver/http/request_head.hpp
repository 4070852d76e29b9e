// What the refserver does with a request head once Boost.Beast has parsed it (RFC 9112
// §3, §6): the parser's limits, the answer to a head Beast refused, and the server's own
// rules on top of Beast's (one Host, chunked the only transfer coding, the target's
// size). Kept out of the session, without sockets, so that the unit tests and the fuzz
// target run exactly the code the server runs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>  // boost/beast/http/status.hpp needs it first
#include <string>

#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/system/error_code.hpp>

namespace streamcheck::http {

using RequestParser = boost::beast::http::request_parser<boost::beast::http::buffer_body>;

// The error response to send, after which the connection closes (the stream can no
// longer be trusted once its framing is in doubt).
struct HeadRejection {
  boost::beast::http::status status;
  std::string why;
};

// Sets a fresh parser's limits: the header block (431 beyond), and the body: max_upload
// bytes (0: no limit), never more than the largest file (2^63 - 1 bytes), so that a
// Content-Length past what can be stored is refused with the header.
void limit_request_parser(RequestParser& parser, size_t header_bytes, uint64_t max_upload);

// The answer to an error Beast gave while reading a head, for every error that is not the
// peer going away (the session closes silently on those).
HeadRejection rejection_for_parse_error(boost::system::error_code ec);

// The server's rules for a head Beast accepted: nullopt when it may be dispatched.
std::optional<HeadRejection> check_request_head(const boost::beast::http::request_header<>& head,
                                                size_t target_bytes);

}  // namespace streamcheck::http
