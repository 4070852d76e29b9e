// One HTTP/1.1 connection, in the shape of Boost.Beast's async server examples: the
// session owns its socket, buffers and the request being served; every async call
// binds shared_from_this(); every handler runs on the socket's strand, takes an
// error_code and throws nothing.
//
// Memory is fixed per connection: Beast's read buffer (header block) plus one body
// buffer of HttpLimits::buffer_bytes, reused for every request. Bodies stream through
// it into the store (uploads; a PUT goes by splice(2) through a pipe of that size
// instead, and the buffer is never allocated) and responses stream from the store's fd by
// sendfile(2) (downloads; through the body buffer when the store gives no fd), so nothing grows
// with the payload.
//
// Timeouts: one watchdog per session checks a deadline that each phase sets (header
// timeout while a request header arrives, idle timeout on every bit of body
// progress); when it passes, the socket is closed and pending operations fail.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stop_token>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "refserver/dav/if_header.hpp"
#include "refserver/http/chunked_decoder.hpp"
#include "refserver/http/http_context.hpp"
#include "refserver/http/http_util.hpp"
#include "refserver/http/request_head.hpp"
#include "refserver/listener.hpp"
#include "refserver/splice_pump.hpp"
#include "refserver/store/tree.hpp"

namespace streamcheck::http {

namespace beast_http = boost::beast::http;
using error_code = boost::system::error_code;

// The methods OPTIONS and a 405 name in Allow.
std::string_view dav_allow();

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(boost::asio::ip::tcp::socket socket, HttpContext& context,
              std::shared_ptr<std::atomic<size_t>> active);
  ~HttpSession();
  HttpSession(const HttpSession&) = delete;
  HttpSession& operator=(const HttpSession&) = delete;

  static constexpr const char* kProtocol = "http";
  // What a connection over --max-connections gets before it is closed.
  static std::string_view busy_reply();

  void start();
  // Closes the connection from any thread; an upload in progress is aborted.
  void shutdown();

 private:
  using Request = beast_http::request<beast_http::buffer_body>;
  using Response = beast_http::response<beast_http::string_body>;
  using Clock = std::chrono::steady_clock;

  // --- framing (http_session.cpp)
  void do_read_header();
  void on_read_header(error_code ec);
  void dispatch();
  void send(Response res);
  void send_error(beast_http::status status, std::string_view why);
  void on_sent(error_code ec, size_t bytes);
  void finish_request();
  void drain_until_closed();  // after a last response: read and drop until the peer closes
  void close();
  void arm(std::chrono::milliseconds timeout);
  void do_watchdog();
  void log_access() const;
  Response make_response(beast_http::status status) const;
  const Request& request() const { return parser_->get(); }
  bool authorized();

  // --- request bodies through the fixed buffer (http_session.cpp)
  // Why a body stops being read: the error response to answer with.
  struct BodyError {
    beast_http::status status;
    std::string why;
  };
  // Takes each filled piece of the body buffer. It runs on the blocking pool, never on a
  // network thread, because it writes to the store and a write may block as long as the
  // disk likes; one piece at a time, the next one read only once it has returned
  // (backpressure). It touches nothing of the session: what it writes to, it holds
  // through its own captures (a shared_ptr), so a session closed meanwhile frees
  // nothing under it. Returns the error that stops the body, or nullopt to go on.
  using ChunkHandler = std::function<std::optional<BodyError>(std::span<const std::byte>)>;
  // Streams the body through on_chunk, then calls on_end on the strand once the body is
  // complete and its last piece written. A piece that fails drops the upload state
  // (upload_, multipart_) and answers with the error.
  void read_body(ChunkHandler on_chunk, std::function<void()> on_end);
  void do_read_body();
  void on_read_body(error_code ec);
  void write_body_piece(std::span<const std::byte> piece, bool last);
  void end_body();
  void send_continue_then(std::function<void()> next);

  // --- a PUT body by splice(2), never in user space (http_splice.cpp)
  // A pipe for this upload, or nullptr (--no-splice, a store that looks at the bytes, no
  // pipe to be had: the debug log says which) for the buffered path.
  std::shared_ptr<SplicePipe> receive_pipe(const store::Upload& upload);
  // As read_body, for upload_, through `pipe`.
  void splice_body(std::shared_ptr<SplicePipe> pipe, std::function<void()> on_end);
  bool write_leftover();  // false: it went to the pool, and do_splice follows
  void do_splice();
  void wait_or_flush();
  void flush_pipe(bool last);
  void end_splice_body();
  void fail_splice(BodyError error);
  void client_went_away();

  // --- downloads (http_get.cpp)
  void handle_get(bool head);
  void send_listing(const store::ObjectPath& path, bool head);
  void send_object_header(std::unique_ptr<store::Object> object, bool head);
  void do_sendfile();
  void on_writable(error_code ec);
  void do_send_buffered();  // an object with no fd: read_at into the body buffer, write
  void end_download();

  // --- uploads and WebDAV's class 1 (http_put.cpp, http_post.cpp, http_dav.cpp)
  void handle_put();
  void on_put_committed(store::Result<store::CommitInfo> result);
  void handle_post();
  void handle_delete();
  void handle_mkcol();
  void handle_options();
  // --- WebDAV class 2 (http_dav_access.cpp, http_propfind.cpp, http_copymove.cpp,
  // http_locks.cpp)
  void handle_propfind();
  void send_propfind(std::shared_ptr<struct PropfindWalk> walk);
  void handle_proppatch();
  void handle_copy_move(bool move);
  // Asks dav_stop_ to stop once the client hangs up (a COPY runs with nothing reading the
  // socket): an abandoned copy of a large object is dropped, not finished for nobody.
  void stop_on_hangup();
  void handle_lock();
  void handle_unlock();
  // Reads a small request body (an XML document, at most kMaxXmlBody bytes: 413 beyond)
  // whole, then calls on_body on the strand.
  void read_xml_body(std::function<void(std::string)> on_body);
  // RFC 4918 §10.4: evaluates the If header, if any, against what `path` is now (and the
  // resources its tagged lists name). Returns the lock tokens it submitted, or nullopt
  // once 400 (malformed) or 412 (no list held) has been sent.
  std::optional<std::vector<std::string>> if_header_tokens(const store::ObjectPath& path);
  // Whether a write of `path` (with everything beneath it when `subtree`) may go on past
  // the locks that cover it, given the submitted tokens; `membership`: it adds or
  // removes the name, a change of its parent collection too. Sends 423 otherwise.
  bool check_locks(const store::ObjectPath& path, bool subtree, bool membership,
                   const std::vector<std::string>& tokens);
  // Both of the above for one target: false once an error was sent.
  bool may_write(const store::ObjectPath& path, bool subtree, bool membership);
  // A URI of a Destination header or a tagged If list as a store path: an absolute path,
  // or an absolute URI naming this server (the request's Host). other_server is set when
  // it names another authority.
  std::optional<store::ObjectPath> local_path(std::string_view uri, bool& other_server) const;
  dav::ResourceState resource_state(const store::ObjectPath& path) const;
  void send_xml(beast_http::status status, std::string body);
  // A 207 naming each member of a collection's COPY, MOVE or DELETE that failed.
  void send_member_failures(const std::vector<store::MemberFailure>& failures);

  // Runs `work` on the blocking pool and `done` back on this session's strand.
  void run_blocking(std::function<void()> work, std::function<void()> done);
  // Parses the request path; answers 400/414 and returns nullopt when it is bad.
  std::optional<store::ObjectPath> request_path();
  Preconditions preconditions() const;

  boost::asio::ip::tcp::socket socket_;
  HttpContext& ctx_;
  std::shared_ptr<std::atomic<size_t>> active_;
  boost::asio::steady_timer watchdog_;
  Clock::time_point deadline_ = Clock::time_point::max();
  bool closed_ = false;

  boost::beast::flat_buffer read_buffer_;
  std::unique_ptr<std::byte[]> body_buffer_;  // allocated at the first body
  std::optional<RequestParser> parser_;
  std::optional<Response> response_;
  bool close_after_response_ = false;

  // Body reading state.
  ChunkHandler on_chunk_;
  size_t body_filled_ = 0;  // bytes of body_buffer_ not yet handed to on_chunk_
  std::function<void()> on_body_end_;
  struct SplicedBody {
    std::shared_ptr<SplicePipe> pipe;
    bool chunked = false;
    uint64_t length_left = 0;  // Content-Length: body bytes not yet in the pipe
    ChunkedDecoder decoder;    // chunked: where in the framing
  };
  std::optional<SplicedBody> splice_;
  std::shared_ptr<SplicePipe> pipe_;  // made at the first spliced body, kept for the next
  // The body was read past Beast's parser (splice): the next request follows it.
  bool body_consumed_ = false;
  std::byte peeked_{};  // where wait_or_flush's one-byte peek lands

  // Download state.
  std::optional<beast_http::response<beast_http::empty_body>> file_header_;
  std::optional<beast_http::response_serializer<beast_http::empty_body>> file_serializer_;
  std::unique_ptr<store::Object> object_;
  off_t file_offset_ = 0;
  uint64_t file_remaining_ = 0;

  // Upload state (PUT; POST keeps its own in http_post.cpp). Shared with the piece
  // being written on the blocking pool, if any: close() drops the session's share and
  // the upload is aborted once that write has returned.
  std::shared_ptr<store::Upload> upload_;
  struct MultipartUpload;
  std::shared_ptr<MultipartUpload> multipart_;

  // Asked to stop when the session closes: a COPY in progress gives up between pieces.
  std::stop_source dav_stop_;

  // Access log of the request being served.
  Clock::time_point started_;
  unsigned status_code_ = 0;
  uint64_t body_bytes_ = 0;  // body bytes received or sent
};

// The HTTP front end: the shared accept loop, one HttpSession per connection.
using HttpServer = Listener<HttpSession, HttpContext>;

}  // namespace streamcheck::http
