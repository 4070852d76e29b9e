#include "refserver/http/request_head.hpp"

#include <algorithm>
#include <limits>

#include <sys/types.h>

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>

namespace streamcheck::http {

namespace beast_http = boost::beast::http;
using beast_http::field;
using beast_http::status;

void limit_request_parser(RequestParser& parser, size_t header_bytes, uint64_t max_upload) {
  parser.header_limit(static_cast<std::uint32_t>(header_bytes));
  // Not boost::none for "no limit": Beast 1.74 compares the length with the optional,
  // and any length is greater than none. Nor uint64's max: no file holds more than off_t
  // does (2^63 - 1 bytes), and a Content-Length past that must be refused at the header,
  // not staged and waited for (issue 17).
  constexpr std::uint64_t kLargestFile = std::numeric_limits<off_t>::max();
  parser.body_limit(max_upload ? std::min(max_upload, kLargestFile) : kLargestFile);
}

HeadRejection rejection_for_parse_error(boost::system::error_code ec) {
  if (ec == beast_http::error::header_limit)
    return {status::request_header_fields_too_large,
            "request header block over the server's limit"};
  if (ec == beast_http::error::body_limit)  // Beast checks Content-Length with the header
    return {status::payload_too_large,
            "Content-Length over --max-upload or the largest file (2^63 - 1 bytes)"};
  return {status::bad_request, "malformed request: " + ec.message()};
}

std::optional<HeadRejection> check_request_head(const beast_http::request_header<>& head,
                                                size_t target_bytes) {
  if (head.target().size() > target_bytes)
    return HeadRejection{status::uri_too_long, "request target over the server's limit"};
  // RFC 9112 §3.2: an HTTP/1.1 request has exactly one Host field; never more than one.
  auto hosts = head.count(field::host);
  if (hosts > 1 || (hosts == 0 && head.version() >= 11))
    return HeadRejection{status::bad_request, "a request needs exactly one Host header"};
  // RFC 9112 §6.1: chunked is the only transfer coding understood here.
  if (auto te = head.find(field::transfer_encoding);
      te != head.end() && !boost::beast::iequals(te->value(), "chunked"))
    return HeadRejection{status::not_implemented, "transfer coding not supported (only chunked): " +
                                                      std::string(te->value())};
  return std::nullopt;
}

}  // namespace streamcheck::http
