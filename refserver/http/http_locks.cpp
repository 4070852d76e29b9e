// LOCK and UNLOCK (RFC 4918 §9.10, §9.11): exclusive and shared write locks, Depth 0 or
// infinity, refreshed by a body-less LOCK naming the token in If. A LOCK on an unmapped
// URL creates an empty resource (§7.3), locked. The table lives in memory
// (refserver/dav/lock_table.hpp) and is lost on restart.
#include <boost/beast/core/string.hpp>

#include "refserver/http/dav_props.hpp"
#include "refserver/http/http_session.hpp"

namespace streamcheck::http {

using beast_http::field;
using beast_http::status;

namespace {

std::string principal_of(std::string_view authorization) {
  auto creds = parse_basic_auth(authorization);
  return creds ? creds->user : std::string();
}

}  // namespace

void HttpSession::handle_lock() {
  if (!authorized()) return;
  auto path = request_path();
  if (!path) return;
  auto depth = request()["Depth"];
  const bool infinity = depth.empty() || boost::beast::iequals(depth, "infinity");
  if (!infinity && depth != "0")
    return send_error(status::bad_request, "LOCK takes Depth 0 or infinity");
  const auto timeout = dav::parse_timeout(request()["Timeout"]).value_or(std::chrono::seconds(0));

  read_xml_body([this, path = *path, infinity, timeout](std::string body) {
    auto tokens = if_header_tokens(path);
    if (!tokens) return;
    const auto now = std::chrono::steady_clock::now();
    if (body.empty()) {  // a refresh (RFC 4918 §9.10.2)
      if (tokens->empty())
        return send_error(status::bad_request, "a LOCK refresh names its lock token in If");
      for (const auto& token : *tokens)
        if (auto lock = ctx_.locks.refresh(path.relative(), token, timeout))
          return send_xml(status::ok, render_lock_reply(*lock, now));
      return send_error(status::precondition_failed,
                        "no lock of the If header's tokens covers this resource");
    }
    auto info = dav::parse_lockinfo(body);
    if (!info) return send_error(status::bad_request, info.status().message());

    auto entry = ctx_.store.stat(path);
    const bool exists = entry.ok();
    if (!exists) {
      if (entry.status().code() != store::Errc::not_found &&
          entry.status().code() != store::Errc::parent_missing)
        return send_error(status_for(entry.status().code()), entry.status().message());
      auto parent = ctx_.store.stat(path.parent());
      if (!parent || parent->type != store::EntryType::directory)
        return send_error(status::conflict, "the parent collection does not exist");
      // A new member changes its collection: a lock on that needs its token.
      if (!check_locks(path.parent(), false, false, *tokens)) return;
    }
    auto lock = ctx_.locks.lock(
        path.relative(), info->exclusive ? dav::LockScope::exclusive : dav::LockScope::shared,
        infinity, timeout, info->owner_xml, principal_of(request()[field::authorization]));
    if (!lock) {
      if (lock.status().code() == store::Errc::no_space)
        return send_error(status::service_unavailable, lock.status().message());
      return send_xml(status::locked, render_error("no-conflicting-lock"));
    }
    if (!exists) {
      // The empty resource a lock on an unmapped URL makes (RFC 4918 §7.3).
      auto created = ctx_.store.begin_upload(path, {.sha256 = false, .length_announced = true});
      store::Status committed = created ? created.value()->commit().status() : created.status();
      if (!committed) {
        (void)ctx_.locks.unlock(path.relative(), lock->token);
        return send_error(status_for(committed.code()), committed.message());
      }
    }
    auto res = make_response(exists ? status::ok : status::created);
    res.set("Lock-Token", "<" + lock->token + ">");
    res.set(field::content_type, "application/xml; charset=utf-8");
    res.body() = render_lock_reply(*lock, now);
    send(std::move(res));
  });
}

void HttpSession::handle_unlock() {
  if (!authorized()) return;
  auto path = request_path();
  if (!path) return;
  std::string_view token = request()["Lock-Token"];
  if (token.size() < 3 || token.front() != '<' || token.back() != '>')
    return send_error(status::bad_request, "UNLOCK needs a Lock-Token header: <token>");
  token = token.substr(1, token.size() - 2);
  if (auto st = ctx_.locks.unlock(path->relative(), std::string(token)); !st) {
    return send_xml(status::conflict, render_error("lock-token-matches-request-uri"));
  }
  send(make_response(status::no_content));
}

}  // namespace streamcheck::http
