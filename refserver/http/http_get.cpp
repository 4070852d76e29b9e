// GET and HEAD: conditional requests, a single Range, collection listings, and the
// body by sendfile(2) from the object's fd, never read ahead of what the socket takes
// (through the body buffer for an object with no fd: --legacy read-ahead).
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/write.hpp>

#include "refserver/http/http_session.hpp"
#include "refserver/sendfile_pump.hpp"

namespace streamcheck::http {

namespace asio = boost::asio;
using beast_http::field;
using beast_http::status;

void HttpSession::handle_get(bool head) {
  auto path = request_path();
  if (!path) return;
  auto entry = ctx_.store.stat(*path);
  if (!entry) return send_error(status_for(entry.status().code()), entry.status().message());
  if (entry->type == store::EntryType::directory) return send_listing(*path, head);
  auto object = ctx_.store.open(*path);
  if (!object) return send_error(status_for(object.status().code()), object.status().message());
  send_object_header(std::move(object).value(), head);
}

void HttpSession::send_listing(const store::ObjectPath& path, bool head) {
  auto entries = ctx_.store.list(path);
  if (!entries) return send_error(status_for(entries.status().code()), entries.status().message());
  std::string dir = path.is_root() ? "/" : path.absolute() + "/";
  std::string title = "Index of " + html_escape(dir);
  std::string html = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + title +
                     "</title></head>\n<body><h1>" + title + "</h1>\n<table>\n";
  if (!path.is_root())
    html += "<tr><td><a href=\"" + encode_path(path.parent().absolute()) + "\">../</a></td></tr>\n";
  for (const auto& e : *entries) {
    bool is_dir = e.type == store::EntryType::directory;
    std::string name = e.name + (is_dir ? "/" : "");
    html += "<tr><td><a href=\"" + encode_path(dir + name) + "\">" + html_escape(name) +
            "</a></td><td>" + (is_dir ? std::string("-") : std::to_string(e.size)) + "</td><td>" +
            format_http_date(e.mtime.tv_sec) + "</td></tr>\n";
  }
  html += "</table></body></html>\n";
  auto res = make_response(status::ok);
  res.set(field::content_type, "text/html; charset=utf-8");
  res.body() = std::move(html);
  (void)head;  // send() strips the body of a HEAD response
  send(std::move(res));
}

void HttpSession::send_object_header(std::unique_ptr<store::Object> object, bool head) {
  const uint64_t size = object->size();
  const std::time_t mtime = object->mtime().tv_sec;
  const std::string etag = object->etag();
  auto verdict = evaluate_preconditions(preconditions(), CurrentVersion{etag, mtime}, true);
  if (verdict == PreconditionVerdict::failed)
    return send_error(status::precondition_failed, "If-Match or If-Unmodified-Since failed");
  if (verdict == PreconditionVerdict::not_modified) {
    auto res = make_response(status::not_modified);
    res.set(field::etag, etag);
    res.set(field::last_modified, format_http_date(mtime));
    return send(std::move(res));
  }

  ByteRange range{0, size ? size - 1 : 0};
  bool partial = false;
  if (auto it = request().find(field::range); it != request().end()) {
    // If-Range: the range applies only to the version the client already has part of.
    bool applies = true;
    if (auto ir = request().find(field::if_range); ir != request().end()) {
      std::string_view v = ir->value();
      auto date = parse_http_date(v);
      applies = date ? *date == mtime : etag_list_matches(v, etag, /*weak=*/false);
    }
    auto wanted = applies ? parse_range(it->value(), size) : RangeRequest{};
    if (wanted.verdict == RangeVerdict::unsatisfiable) {
      auto res = make_response(status::range_not_satisfiable);
      res.set(field::content_range, "bytes */" + std::to_string(size));
      res.set(field::content_type, "text/plain; charset=utf-8");
      res.body() = "range not satisfiable for " + std::to_string(size) + " bytes\n";
      return send(std::move(res));
    }
    if (wanted.verdict == RangeVerdict::satisfiable) {
      range = wanted.range;
      partial = true;
    }
  }
  const uint64_t length = size == 0 ? 0 : range.length();

  file_header_.emplace(partial ? status::partial_content : status::ok, 11);
  auto& h = *file_header_;
  h.set(field::server, "streamcheck-refserver/0.1");
  h.set(field::date, format_http_date(std::time(nullptr)));
  h.set(field::content_type, media_type_for(request().target()));
  h.set(field::etag, etag);
  h.set(field::last_modified, format_http_date(mtime));
  h.set(field::accept_ranges, "bytes");
  if (partial)
    h.set(field::content_range, "bytes " + std::to_string(range.first) + "-" +
                                    std::to_string(range.last) + "/" + std::to_string(size));
  h.content_length(length);
  if (!parser_->is_done() || !request().keep_alive()) close_after_response_ = true;
  h.keep_alive(!close_after_response_);
  status_code_ = h.result_int();

  object_ = std::move(object);
  file_offset_ = static_cast<off_t>(range.first);
  file_remaining_ = head ? 0 : length;
  file_serializer_.emplace(h);
  arm(ctx_.limits.idle_timeout);
  auto send_body = [self = shared_from_this()](error_code ec, size_t) {
    if (ec) return self->close();
    if (self->object_->fd() < 0) return self->do_send_buffered();
    self->do_sendfile();
  };
  // The header goes out at once and the body right behind it, in this handler: an async
  // write would post its completion and the first body byte would wait for the strand's
  // next turn (on a busy thread, behind every other session's). A header of a few
  // hundred bytes into a fresh connection's empty send buffer does not block; if it
  // would, the rest goes the async way.
  error_code ec;
  beast_http::write_header(socket_, *file_serializer_, ec);
  if (ec == asio::error::would_block || ec == asio::error::try_again)
    return beast_http::async_write_header(socket_, *file_serializer_, std::move(send_body));
  send_body(ec, 0);
}

void HttpSession::do_sendfile() {
  auto state = sendfile_some(socket_.native_handle(), object_->fd(), file_offset_, file_remaining_,
                             [this](uint64_t n) {
                               body_bytes_ += n;
                               arm(ctx_.limits.idle_timeout);
                             });
  switch (state) {
    case SendfileState::yield:
      asio::post(socket_.get_executor(), [self = shared_from_this()] {
        if (!self->closed_) self->do_sendfile();
      });
      return;
    case SendfileState::would_block:
      socket_.async_wait(asio::ip::tcp::socket::wait_write,
                         [self = shared_from_this()](error_code ec) { self->on_writable(ec); });
      return;
    case SendfileState::failed:
      return close();
    case SendfileState::done:
      break;
  }
  end_download();
}

void HttpSession::do_send_buffered() {
  if (file_remaining_ == 0) return end_download();
  if (!body_buffer_) body_buffer_.reset(new std::byte[ctx_.limits.buffer_bytes]);
  const auto want =
      static_cast<size_t>(std::min<uint64_t>(file_remaining_, ctx_.limits.buffer_bytes));
  auto n = object_->read_at(static_cast<uint64_t>(file_offset_), {body_buffer_.get(), want});
  // The header is out: a short body is all the client can be told.
  if (!n || *n == 0) return close();
  file_offset_ += static_cast<off_t>(*n);
  file_remaining_ -= *n;
  arm(ctx_.limits.idle_timeout);
  asio::async_write(socket_, asio::buffer(body_buffer_.get(), *n),
                    [self = shared_from_this()](error_code ec, size_t written) {
                      if (ec || self->closed_) return self->close();
                      self->body_bytes_ += written;
                      self->do_send_buffered();
                    });
}

void HttpSession::end_download() {
  object_.reset();
  file_serializer_.reset();
  file_header_.reset();
  finish_request();
}

void HttpSession::on_writable(error_code ec) {
  if (ec || closed_) return close();
  do_sendfile();
}

}  // namespace streamcheck::http
