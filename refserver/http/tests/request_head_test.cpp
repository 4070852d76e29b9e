// The refserver's rules on a parsed request head (request_head.hpp), on heads fed to Beast's
// parser with the limits a session sets, as a session reads them.
#include "refserver/http/request_head.hpp"

#include <gtest/gtest.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>

namespace streamcheck::http {
namespace {

using boost::beast::http::status;

// The status a session answers `head` with; 200 when it would dispatch it.
status verdict(const std::string& head, uint64_t max_upload = 0) {
  RequestParser parser;
  limit_request_parser(parser, 16 * 1024, max_upload);
  boost::system::error_code ec;
  parser.put(boost::asio::buffer(head), ec);
  if (!ec && !parser.is_header_done()) ec = boost::beast::http::error::partial_message;
  if (ec) return rejection_for_parse_error(ec).status;
  auto rejection = check_request_head(parser.get(), 8 * 1024);
  return rejection ? rejection->status : status::ok;
}

TEST(RequestHead, OneHostIsNeeded) {
  EXPECT_EQ(verdict("GET / HTTP/1.1\r\nHost: a\r\n\r\n"), status::ok);
  EXPECT_EQ(verdict("GET / HTTP/1.1\r\n\r\n"), status::bad_request);
  EXPECT_EQ(verdict("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n"), status::bad_request);
  EXPECT_EQ(verdict("GET / HTTP/1.0\r\n\r\n"), status::ok);  // HTTP/1.0 had no Host
  EXPECT_EQ(verdict("GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n"), status::bad_request);
}

TEST(RequestHead, ChunkedIsTheOnlyTransferCoding) {
  const std::string head = "PUT /x HTTP/1.1\r\nHost: a\r\n";
  EXPECT_EQ(verdict(head + "Transfer-Encoding: Chunked\r\n\r\n"), status::ok);
  EXPECT_EQ(verdict(head + "Transfer-Encoding: gzip\r\n\r\n"), status::not_implemented);
  EXPECT_EQ(verdict(head + "Transfer-Encoding: gzip, chunked\r\n\r\n"), status::not_implemented);
  EXPECT_EQ(verdict(head + "Transfer-Encoding: chunked, chunked\r\n\r\n"), status::not_implemented);
  // Beast refuses a second Transfer-Encoding after chunked, and one with Content-Length.
  EXPECT_EQ(verdict(head + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"),
            status::bad_request);
  EXPECT_EQ(verdict(head + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"),
            status::bad_request);
  EXPECT_EQ(verdict(head + "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"),
            status::bad_request);
}

TEST(RequestHead, LimitsGiveTheirOwnStatus) {
  EXPECT_EQ(verdict("GET /" + std::string(9000, 'a') + " HTTP/1.1\r\nHost: a\r\n\r\n"),
            status::uri_too_long);
  EXPECT_EQ(verdict("GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(17000, 'a') + "\r\n\r\n"),
            status::request_header_fields_too_large);
  EXPECT_EQ(verdict("PUT /x HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n", 10),
            status::payload_too_large);
  EXPECT_EQ(verdict("PUT /x HTTP/1.1\r\nHost: a\r\nContent-Length: 9223372036854775808\r\n\r\n"),
            status::payload_too_large);
}

TEST(RequestHead, ControlBytesAreMalformed) {
  EXPECT_EQ(verdict("GET / HTTP/1.1\r\nHost: a\x01\r\n\r\n"), status::bad_request);
  EXPECT_EQ(verdict("GET /a\x7f HTTP/1.1\r\nHost: a\r\n\r\n"), status::bad_request);
  EXPECT_EQ(verdict("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1, 2\r\n\r\n"),
            status::bad_request);
}

}  // namespace
}  // namespace streamcheck::http
