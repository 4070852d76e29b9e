// PUT: the body streams into a store upload as it arrives, by splice(2) through a pipe
// (http_splice.cpp) or through the connection's fixed buffer (Content-Length or chunked, Expect:
// 100-continue honoured) and commits atomically once it is complete; a client that goes away leaves
// the old version.
#include <boost/beast/core/string.hpp>

#include "refserver/http/http_session.hpp"

namespace streamcheck::http {

using beast_http::field;
using beast_http::status;

void HttpSession::handle_put() {
  if (!authorized()) return;
  auto path = request_path();
  if (!path) return;
  std::string_view target = request().target();
  if (path->is_root() || target.substr(0, target.find('?')).ends_with('/'))
    return send_error(status::method_not_allowed, "PUT on a collection");

  // RFC 4918 §7: a locked resource (or a new member of a locked collection) takes a PUT
  // only with the lock's token.
  const bool exists = ctx_.store.stat(*path).ok();
  if (!may_write(*path, false, !exists)) return;

  // The current version, for preconditions only: the commit says whether it replaced one.
  auto pre = preconditions();
  if (pre.if_match || pre.if_none_match || pre.if_unmodified_since) {
    std::optional<CurrentVersion> current;
    std::string current_etag;
    auto existing = ctx_.store.open(*path);
    if (existing) {
      current_etag = existing.value()->etag();
      current = CurrentVersion{current_etag, existing.value()->mtime().tv_sec};
    } else if (existing.status().code() != store::Errc::not_found &&
               existing.status().code() != store::Errc::parent_missing) {
      return send_error(status_for(existing.status().code()), existing.status().message());
    }
    if (evaluate_preconditions(pre, current, false) == PreconditionVerdict::failed)
      return send_error(status::precondition_failed, "If-Match or If-None-Match failed");
  }

  if (auto length = parser_->content_length();
      length && ctx_.limits.max_upload && *length > ctx_.limits.max_upload)
    return send_error(status::payload_too_large, "Content-Length over --max-upload");

  // The store's hash costs CPU that a PUT does not report; the client can check the
  // bytes with a GET.
  auto upload =
      ctx_.store.begin_upload(*path, {.sha256 = false, .length_announced = !request().chunked()});
  if (!upload) return send_error(status_for(upload.status().code()), upload.status().message());
  upload_ = std::move(upload).value();

  auto commit = [this] {
    auto staged = std::move(upload_);
    auto result = std::make_shared<std::optional<store::Result<store::CommitInfo>>>();
    run_blocking([staged, result] { result->emplace(staged->commit()); },
                 [this, result] { on_put_committed(std::move(**result)); });
  };
  // A body that came whole with the header is in memory already: no pipe for it.
  const auto length = parser_->content_length();
  const bool in_memory = length && *length <= read_buffer_.size();
  if (!parser_->is_done() && !in_memory) {
    if (auto pipe = receive_pipe(*upload_)) return splice_body(std::move(pipe), commit);
  }
  read_body(
      [upload = upload_](std::span<const std::byte> chunk) -> std::optional<BodyError> {
        if (auto st = upload->write(chunk); !st)
          return BodyError{status_for(st.code()), st.message()};
        return std::nullopt;
      },
      commit);
}

void HttpSession::on_put_committed(store::Result<store::CommitInfo> result) {
  if (!result) return send_error(status_for(result.status().code()), result.status().message());
  auto res = make_response(result->created ? status::created : status::no_content);
  res.set(field::etag, result->etag);
  if (result->created) {
    res.set(field::location, std::string(request().target()));
    res.set(field::content_type, "text/plain; charset=utf-8");
    res.body() = "created\n";
  }
  send(std::move(res));
}

}  // namespace streamcheck::http
