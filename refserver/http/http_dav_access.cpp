// What every WebDAV write shares: the small XML request bodies, the If header (RFC 4918
// §10.4), the lock check (§6, §7: 423 without the lock's token), and URIs that name a
// resource of this server (Destination, tagged If lists).
#include <boost/beast/core/string.hpp>

#include "refserver/http/dav_props.hpp"
#include "refserver/http/http_session.hpp"

namespace streamcheck::http {

using beast_http::field;
using beast_http::status;

namespace {
// PROPFIND, PROPPATCH and LOCK bodies are small documents; a client sending more is
// refused before it costs memory.
constexpr size_t kMaxXmlBody = 1024 * 1024;
}  // namespace

void HttpSession::read_xml_body(std::function<void(std::string)> on_body) {
  if (auto length = parser_->content_length(); length && *length > kMaxXmlBody)
    return send_error(status::payload_too_large, "XML request body over 1 MiB");
  auto body = std::make_shared<std::string>();
  read_body(
      [body](std::span<const std::byte> piece) -> std::optional<BodyError> {
        if (body->size() + piece.size() > kMaxXmlBody)
          return BodyError{status::payload_too_large, "XML request body over 1 MiB"};
        body->append(reinterpret_cast<const char*>(piece.data()), piece.size());
        return std::nullopt;
      },
      [body, on_body = std::move(on_body)] { on_body(std::move(*body)); });
}

void HttpSession::send_xml(status s, std::string body) {
  auto res = make_response(s);
  res.set(field::content_type, "application/xml; charset=utf-8");
  res.body() = std::move(body);
  send(std::move(res));
}

void HttpSession::send_member_failures(const std::vector<store::MemberFailure>& failures) {
  std::string responses;
  for (const auto& failure : failures) {
    // A member the store will not take (a FIFO, say) is no fault of the request's.
    auto code = status_for(failure.status.code());
    if (code == status::bad_request) code = status::forbidden;
    responses +=
        render_status_response(encode_path(failure.path.absolute()), static_cast<unsigned>(code));
  }
  send_xml(status::multi_status, render_multistatus(responses));
}

std::optional<store::ObjectPath> HttpSession::local_path(std::string_view uri,
                                                         bool& other_server) const {
  other_server = false;
  if (auto scheme = uri.find("://"); scheme != std::string_view::npos && uri[0] != '/') {
    auto rest = uri.substr(scheme + 3);
    auto slash = rest.find('/');
    auto authority = rest.substr(0, slash);
    if (auto at = authority.rfind('@'); at != std::string_view::npos)
      authority = authority.substr(at + 1);
    if (!boost::beast::iequals(authority, request()[field::host])) {
      other_server = true;
      return std::nullopt;
    }
    uri = slash == std::string_view::npos ? "/" : rest.substr(slash);
  }
  if (uri.empty() || uri[0] != '/') return std::nullopt;
  auto decoded = decode_target_path(uri.substr(0, uri.find_first_of("?#")));
  if (!decoded) return std::nullopt;
  auto path = ctx_.store.parse_path(*decoded);
  if (!path) return std::nullopt;
  return std::move(path).value();
}

dav::ResourceState HttpSession::resource_state(const store::ObjectPath& path) const {
  dav::ResourceState state;
  for (const auto& lock : ctx_.locks.covering(path.relative()))
    state.lock_tokens.push_back(lock.token);
  auto entry = ctx_.store.stat(path);
  if (!entry) return state;
  state.exists = true;
  if (entry->type == store::EntryType::file)
    if (auto object = ctx_.store.open(path)) state.etag = object.value()->etag();
  return state;
}

std::optional<std::vector<std::string>> HttpSession::if_header_tokens(
    const store::ObjectPath& path) {
  auto it = request().find("If");
  if (it == request().end()) return std::vector<std::string>{};
  auto header = dav::parse_if_header(it->value());
  if (!header) {
    send_error(status::bad_request, "malformed If header (RFC 4918 §10.4)");
    return std::nullopt;
  }
  auto state_of = [&](const std::optional<std::string>& resource) {
    if (!resource) return resource_state(path);
    bool other_server = false;
    auto tagged = local_path(*resource, other_server);
    return tagged ? resource_state(*tagged) : dav::ResourceState{};
  };
  if (!dav::evaluate_if_header(*header, state_of)) {
    send_error(status::precondition_failed,
               "If header: no condition list holds for the resource as it is now");
    return std::nullopt;
  }
  return dav::submitted_tokens(*header);
}

bool HttpSession::check_locks(const store::ObjectPath& path, bool subtree, bool membership,
                              const std::vector<std::string>& tokens) {
  auto blocking = ctx_.locks.blocking_write(path.relative(), subtree, tokens);
  if (!blocking && membership && !path.is_root())
    blocking = ctx_.locks.blocking_write(path.parent().relative(), false, tokens);
  if (!blocking) return true;
  send_xml(
      status::locked,
      render_error("lock-token-submitted",
                   "<D:href>" + dav::xml_escape(encode_path("/" + blocking->root)) + "</D:href>"));
  return false;
}

bool HttpSession::may_write(const store::ObjectPath& path, bool subtree, bool membership) {
  auto tokens = if_header_tokens(path);
  return tokens && check_locks(path, subtree, membership, *tokens);
}

}  // namespace streamcheck::http
