// WebDAV class 1 (RFC 4918): DELETE (of a whole collection too), MKCOL and OPTIONS.
#include <boost/beast/core/string.hpp>

#include "refserver/http/dav_props.hpp"
#include "refserver/http/http_session.hpp"
#include "refserver/store/tree.hpp"

namespace streamcheck::http {

using beast_http::field;
using beast_http::status;

std::string_view dav_allow() {
  return "OPTIONS, GET, HEAD, PUT, POST, DELETE, MKCOL, PROPFIND, PROPPATCH, COPY, MOVE, LOCK, "
         "UNLOCK";
}

void HttpSession::handle_delete() {
  if (!authorized()) return;
  auto path = request_path();
  if (!path) return;
  if (path->is_root()) return send_error(status::forbidden, "the root collection stays");
  auto entry = ctx_.store.stat(*path);
  if (!entry) {
    auto code = entry.status().code() == store::Errc::parent_missing
                    ? status::not_found
                    : status_for(entry.status().code());
    return send_error(code, entry.status().message());
  }
  // RFC 4918 §9.6.1: Depth infinity is the only depth a collection's DELETE has.
  if (auto depth = request()["Depth"]; !depth.empty() && !boost::beast::iequals(depth, "infinity"))
    return send_error(status::bad_request, "DELETE takes Depth infinity only");
  const bool collection = entry->type == store::EntryType::directory;
  if (!may_write(*path, collection, true)) return;
  struct Outcome {
    store::Status status;
    std::vector<store::MemberFailure> failures;
  };
  auto outcome = std::make_shared<Outcome>();
  run_blocking(
      [this, outcome, path = *path] {
        outcome->status = store::remove_tree(ctx_.store, path, outcome->failures);
      },
      [this, outcome, path = *path] {
        if (!outcome->failures.empty()) return send_member_failures(outcome->failures);
        if (!outcome->status)
          return send_error(status_for(outcome->status.code()), outcome->status.message());
        ctx_.locks.forget(path.relative());
        send(make_response(status::no_content));
      });
}

void HttpSession::handle_mkcol() {
  if (!authorized()) return;
  // RFC 4918 §9.3: a body we do not understand is 415.
  if (request().chunked() || parser_->content_length().value_or(0) > 0)
    return send_error(status::unsupported_media_type, "MKCOL with a body is not supported");
  auto path = request_path();
  if (!path) return;
  if (path->is_root()) return send_error(status::method_not_allowed, "the root exists");
  if (!may_write(*path, false, true)) return;
  if (auto st = ctx_.store.make_dir(*path); !st)
    return send_error(status_for(st.code()), st.message());
  auto res = make_response(status::created);
  res.set(field::location, std::string(request().target()));
  send(std::move(res));
}

void HttpSession::handle_options() {
  auto res = make_response(status::ok);
  res.set(field::allow, dav_allow());
  res.set("DAV", "1, 2");
  // Microsoft's WebDAV clients look for it before they try DAV at all.
  res.set("MS-Author-Via", "DAV");
  res.set(field::accept_ranges, "bytes");
  send(std::move(res));
}

}  // namespace streamcheck::http
