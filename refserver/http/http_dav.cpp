// The WebDAV subset (RFC 4918): DELETE, MKCOL and OPTIONS.
#include "refserver/http/http_session.hpp"

namespace streamcheck::http {

using beast_http::field;
using beast_http::status;

void HttpSession::handle_delete() {
  if (!authorized()) return;
  auto path = request_path();
  if (!path) return;
  if (path->is_root()) return send_error(status::forbidden, "the root collection stays");
  if (auto st = ctx_.store.remove(*path); !st) {
    auto code =
        st.code() == store::Errc::parent_missing ? status::not_found : status_for(st.code());
    return send_error(code, st.message());
  }
  send(make_response(status::no_content));
}

void HttpSession::handle_mkcol() {
  if (!authorized()) return;
  // RFC 4918 §9.3: a body we do not understand is 415.
  if (request().chunked() || parser_->content_length().value_or(0) > 0)
    return send_error(status::unsupported_media_type, "MKCOL with a body is not supported");
  auto path = request_path();
  if (!path) return;
  if (path->is_root()) return send_error(status::method_not_allowed, "the root exists");
  if (auto st = ctx_.store.make_dir(*path); !st)
    return send_error(status_for(st.code()), st.message());
  auto res = make_response(status::created);
  res.set(field::location, std::string(request().target()));
  send(std::move(res));
}

void HttpSession::handle_options() {
  auto res = make_response(status::ok);
  res.set(field::allow, "OPTIONS, GET, HEAD, PUT, POST, DELETE, MKCOL");
  res.set("DAV", "1");
  res.set(field::accept_ranges, "bytes");
  send(std::move(res));
}

}  // namespace streamcheck::http
