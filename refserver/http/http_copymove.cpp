// COPY and MOVE (RFC 4918 §9.8, §9.9). A file's COPY is staged and committed like an
// upload (the store copies in the kernel, so memory stays flat and an interrupted copy
// leaves nothing); a MOVE is one rename(2), so a reader of the source keeps its version.
// Collections go member by member, and members that fail are reported in a 207.
#include <spdlog/spdlog.h>
#include <boost/beast/core/string.hpp>

#include "refserver/http/dav_props.hpp"
#include "refserver/http/http_session.hpp"
#include "refserver/store/tree.hpp"

namespace streamcheck::http {

namespace asio = boost::asio;
using beast_http::field;
using beast_http::status;

namespace {

bool is_beneath(const store::ObjectPath& path, const store::ObjectPath& ancestor) {
  return ancestor.is_root() || path.relative().starts_with(ancestor.relative() + "/");
}

struct CopyMoveOutcome {
  store::Status status;
  std::vector<store::MemberFailure> failures;
};

}  // namespace

void HttpSession::stop_on_hangup() {
  socket_.async_receive(asio::buffer(&peeked_, 1), asio::socket_base::message_peek,
                        [self = shared_from_this()](error_code ec, size_t n) {
                          if (ec == asio::error::operation_aborted || (!ec && n > 0)) return;
                          spdlog::info("client went away during a COPY or MOVE: stopping it");
                          self->dav_stop_.request_stop();
                        });
}

void HttpSession::handle_copy_move(bool move) {
  if (!authorized()) return;
  auto from = request_path();
  if (!from) return;
  const std::string_view method = move ? "MOVE" : "COPY";
  auto destination = request()["Destination"];
  if (destination.empty())
    return send_error(status::bad_request, std::string(method) + " needs a Destination header");
  bool other_server = false;
  auto to = local_path(destination, other_server);
  if (other_server)
    return send_error(status::bad_gateway,
                      "Destination names another server: " + std::string(destination));
  if (!to) return send_error(status::bad_request, "Destination is not a path of this server");
  auto overwrite_header = request()["Overwrite"];
  if (!overwrite_header.empty() && overwrite_header != "T" && overwrite_header != "F")
    return send_error(status::bad_request, "Overwrite must be T or F");
  const bool overwrite = overwrite_header != "F";
  auto depth = request()["Depth"];
  const bool infinity = depth.empty() || boost::beast::iequals(depth, "infinity");
  if (!infinity && (move || depth != "0"))
    return send_error(status::bad_request, std::string(method) + " takes Depth " +
                                               (move ? "infinity" : "0 or infinity") + " only");

  if (*from == *to)
    return send_error(status::forbidden, "source and destination are the same resource");
  if (from->is_root() || to->is_root())
    return send_error(status::forbidden, "the root collection stays where it is");
  auto source = ctx_.store.stat(*from);
  if (!source) return send_error(status_for(source.status().code()), source.status().message());
  const bool collection = source->type == store::EntryType::directory;
  if (collection && is_beneath(*to, *from))
    return send_error(status::forbidden, "a collection cannot go beneath itself");
  auto parent = ctx_.store.stat(to->parent());
  if (!parent || parent->type != store::EntryType::directory)
    return send_error(status::conflict, "the Destination's parent collection does not exist");

  auto tokens = if_header_tokens(*from);
  if (!tokens) return;
  if (move && !check_locks(*from, collection, true, *tokens)) return;
  if (!check_locks(*to, true, true, *tokens)) return;

  auto existing = ctx_.store.stat(*to);
  const bool existed = existing.ok();
  if (existed && !overwrite)
    return send_error(status::precondition_failed, "Destination exists and Overwrite is F");
  // RFC 4918 §9.8.4, §9.9.3: what the Destination held goes first, unless one file
  // replaces another, which the commit's rename does atomically.
  const bool clear_first = existed && (collection || existing->type != store::EntryType::file);

  auto outcome = std::make_shared<CopyMoveOutcome>();
  stop_on_hangup();
  run_blocking(
      [this, outcome, from = *from, to = *to, move, collection, infinity, clear_first,
       stop = dav_stop_.get_token()] {
        if (clear_first) {
          outcome->status = store::remove_tree(ctx_.store, to, outcome->failures);
          if (!outcome->status) return;
        }
        if (move) {
          outcome->status = ctx_.store.rename(from, to);
        } else if (collection) {
          outcome->status =
              store::copy_tree(ctx_.store, from, to, infinity, outcome->failures, stop);
          // RFC 4918 §9.8.8 names the member where it would have gone.
          for (auto& failure : outcome->failures) {
            if (!is_beneath(failure.path, from)) continue;
            const auto below = failure.path.relative().substr(from.relative().size());
            if (auto moved = store::ObjectPath::parse(to.absolute() + below))
              failure.path = std::move(moved).value();
          }
        } else {
          auto copied = ctx_.store.copy_file(from, to, true, stop);
          outcome->status = copied.status();
        }
      },
      [this, outcome, from = *from, move, existed] {
        error_code ignored;
        socket_.cancel(ignored);  // the hang-up watch
        if (move && outcome->status) ctx_.locks.forget(from.relative());
        if (!outcome->failures.empty()) return send_member_failures(outcome->failures);
        if (!outcome->status)
          return send_error(status_for(outcome->status.code()), outcome->status.message());
        auto res = make_response(existed ? status::no_content : status::created);
        if (!existed) res.set(field::location, std::string(request()["Destination"]));
        send(std::move(res));
      });
}

}  // namespace streamcheck::http
