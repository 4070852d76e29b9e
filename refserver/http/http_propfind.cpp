// PROPFIND and PROPPATCH (RFC 4918 §9.1, §9.2). A PROPFIND reply is streamed: a Depth 1
// listing of a collection with 100 000 members goes out in chunks of about 64 KiB, each
// rendered on the blocking pool (it stats and reads the properties of its members) and
// written before the next is made, so the reply never sits in memory whole.
#include <spdlog/spdlog.h>

#include <boost/asio/write.hpp>
#include <sstream>

#include "refserver/http/dav_props.hpp"
#include "refserver/http/http_session.hpp"

namespace streamcheck::http {

namespace asio = boost::asio;
using beast_http::field;
using beast_http::status;

namespace {
constexpr size_t kChunkBytes = 64 * 1024;
constexpr size_t kEntriesAtOnce = 64;
}  // namespace

struct PropfindWalk {
  dav::PropfindRequest request;
  store::ObjectPath root = store::ObjectPath::root();
  bool chunked = true;                      // HTTP/1.0 gets the body delimited by the close instead
  std::unique_ptr<store::Listing> members;  // Depth 1 of a collection: read as it goes
  bool done = false;
  bool root_done = false;
  bool header_sent = false;
  std::string chunk;  // the piece being written
  std::optional<store::Status> failure;
};

namespace {

ResourceFacts facts_of(const store::Store& store, const dav::LockTable& locks,
                       const store::ObjectPath& path, const store::Entry& entry) {
  ResourceFacts f;
  f.collection = entry.type == store::EntryType::directory;
  f.href = encode_path(path.absolute());
  if (f.collection && !path.is_root()) f.href += "/";
  f.size = entry.size;
  f.mtime = entry.mtime;
  f.display_name = std::string(path.name());
  if (!f.collection)
    if (auto object = store.open(path)) f.etag = object.value()->etag();
  if (auto blob = store.read_props(path); blob)
    if (auto dead = dav::decode_dead_props(*blob)) f.dead = std::move(*dead);
  f.locks = locks.covering(path.relative());
  return f;
}

// Renders responses into walk.chunk until it holds about kChunkBytes or all are in.
void render_next_chunk(const store::Store& store, const dav::LockTable& locks, PropfindWalk& walk) {
  walk.chunk.clear();
  const auto now = std::chrono::steady_clock::now();
  if (!walk.root_done) {
    walk.root_done = true;
    auto entry = store.stat(walk.root);
    if (!entry) {
      walk.failure = entry.status();
      return;
    }
    walk.chunk += multistatus_begin();
    walk.chunk +=
        render_propfind_response(facts_of(store, locks, walk.root, *entry), walk.request, now);
  }
  while (walk.chunk.size() < kChunkBytes && walk.members && !walk.done) {
    auto piece = walk.members->next(kEntriesAtOnce);
    if (!piece) {
      // The header is out: all that is left is to end the body short (the client's XML
      // parser then fails), and to say why in the log.
      walk.failure = piece.status();
      break;
    }
    if (piece->empty()) walk.done = true;
    for (const auto& entry : *piece) {
      auto path = walk.root.child(entry.name);
      if (!path) continue;
      walk.chunk +=
          render_propfind_response(facts_of(store, locks, *path, entry), walk.request, now);
    }
  }
  if (!walk.members) walk.done = true;
  if (walk.done) walk.chunk += multistatus_end();
}

std::string frame_chunk(std::string_view data) {
  char size[20];
  int n = std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  std::string out(size, static_cast<size_t>(n));
  out.append(data);
  out += "\r\n";
  return out;
}

}  // namespace

void HttpSession::handle_propfind() {
  auto path = request_path();
  if (!path) return;
  auto depth = request()["Depth"];
  if (depth != "0" && depth != "1") {  // absent means infinity (RFC 4918 §9.1)
    return send_xml(status::forbidden, render_error("propfind-finite-depth"));
  }
  read_xml_body([this, path = *path, depth_one = depth == "1"](std::string body) {
    auto parsed = dav::parse_propfind(body);
    if (!parsed) return send_error(status::bad_request, parsed.status().message());
    auto walk = std::make_shared<PropfindWalk>();
    walk->request = std::move(parsed).value();
    walk->root = path;
    walk->chunked = request().version() >= 11;
    auto entry = ctx_.store.stat(path);
    if (!entry) return send_error(status_for(entry.status().code()), entry.status().message());
    const bool listed = depth_one && entry->type == store::EntryType::directory;
    run_blocking(
        [this, walk, listed] {
          if (listed) {
            auto members = ctx_.store.list_pieces(walk->root);
            if (!members) {
              walk->failure = members.status();
              return;
            }
            walk->members = std::move(members).value();
          }
          render_next_chunk(ctx_.store, ctx_.locks, *walk);
        },
        [this, walk] {
          if (walk->failure)
            return send_error(status_for(walk->failure->code()), walk->failure->message());
          send_propfind(walk);
        });
  });
}

void HttpSession::send_propfind(std::shared_ptr<PropfindWalk> walk) {
  if (walk->header_sent && walk->failure) {
    // A 207 is on its way: the body ends short, without its last chunk, and the
    // connection with it, so that no client takes the listing for whole.
    spdlog::warn("PROPFIND {}: listing failed midway: {}", walk->root.absolute(),
                 walk->failure->to_string());
    return close();
  }
  if (!walk->header_sent) {
    // The first chunk is rendered: the header goes out with it.
    walk->header_sent = true;
    status_code_ = 207;
    close_after_response_ = !request().keep_alive() || !walk->chunked;
    auto res = make_response(status::multi_status);
    res.set(field::content_type, "application/xml; charset=utf-8");
    res.chunked(walk->chunked);
    res.keep_alive(!close_after_response_);
    std::ostringstream head;
    head << res.base();  // the status line and fields, through the blank line
    walk->chunk = head.str() + (walk->chunked ? frame_chunk(walk->chunk) : walk->chunk);
  } else if (walk->chunked) {
    walk->chunk = frame_chunk(walk->chunk);
  }
  const bool last = walk->done;
  if (last && walk->chunked) walk->chunk += "0\r\n\r\n";
  body_bytes_ += walk->chunk.size();
  asio::async_write(
      socket_, asio::buffer(walk->chunk),
      [self = shared_from_this(), walk, last](error_code ec, size_t) {
        if (ec || self->closed_) return self->close();
        if (last) return self->finish_request();
        self->run_blocking(
            [self, walk] { render_next_chunk(self->ctx_.store, self->ctx_.locks, *walk); },
            [self, walk] { self->send_propfind(walk); });
      });
}

void HttpSession::handle_proppatch() {
  if (!authorized()) return;
  auto path = request_path();
  if (!path) return;
  if (!may_write(*path, false, false)) return;
  read_xml_body([this, path = *path](std::string body) {
    auto parsed = dav::parse_proppatch(body);
    if (!parsed) return send_error(status::bad_request, parsed.status().message());
    auto current = ctx_.store.read_props(path);
    if (!current)
      return send_error(status_for(current.status().code()), current.status().message());
    auto props = dav::decode_dead_props(*current);
    if (!props)
      return send_error(status::internal_server_error,
                        "the stored dead properties of this resource are unreadable");
    // RFC 4918 §9.2: all or nothing. A protected property fails the request (403) and
    // every other instruction in it is 424 Failed Dependency.
    std::vector<dav::QName> refused, others;
    for (const auto& op : parsed->ops) {
      (is_protected_property(op.name) ? refused : others).push_back(op.name);
      if (op.remove)
        props->erase(op.name);
      else
        (*props)[op.name] = op.element_xml;
    }
    std::string inner;
    if (!refused.empty()) {
      inner = render_propstat(refused, 403) + render_propstat(others, 424);
    } else if (auto written = ctx_.store.write_props(path, dav::encode_dead_props(*props));
               !written) {
      // 507: the properties outgrew the one extended attribute; 403: this filesystem keeps
      // none (RFC 4918 §9.2.1 lets 403 say a property cannot be set here).
      const unsigned code = written.code() == store::Errc::no_space        ? 507
                            : written.code() == store::Errc::not_supported ? 403
                                                                           : 500;
      inner = render_propstat(others, code) + "<D:responsedescription>" +
              dav::xml_escape(written.message()) + "</D:responsedescription>";
    } else {
      inner = render_propstat(others, 200);
    }
    send_xml(status::multi_status,
             render_multistatus(render_response(encode_path(path.absolute()), inner)));
  });
}

}  // namespace streamcheck::http
