// FTP data connections (PASV, EPSV, PORT, EPRT) and the transfers on them: RETR by
// sendfile, STOR/APPE/STOU streamed into a store upload that commits atomically at a
// clean end of the data stream, listings, and ABOR.
#include <openssl/rand.h>
#include <sys/socket.h>

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>

#include "refserver/ftp/ftp_address.hpp"
#include "refserver/ftp/ftp_listing.hpp"
#include "refserver/ftp/ftp_session.hpp"
#include "refserver/off_network.hpp"

namespace streamcheck::ftp {

namespace asio = boost::asio;
using R = ReplyCode;

namespace {

Reply reply_for_end(const TransferEnd& end, const std::string& what) {
  switch (end.kind) {
    case TransferEnd::Kind::complete:
      return Reply(R::closing_data,
                   "Transfer complete: " + what + ", " + std::to_string(end.bytes) + " bytes.");
    case TransferEnd::Kind::no_connection:
      return Reply(R::cannot_open_data, end.why + ".");
    case TransferEnd::Kind::aborted:
      return Reply(R::transfer_aborted, "Transfer aborted (" + end.why + ").");
    case TransferEnd::Kind::store_error:
      return reply_for(end.status);
  }
  return Reply(R::local_error);
}

// LIST and NLST arguments may start with ls options ("-la"), which clients send.
std::string_view strip_list_options(std::string_view arg) {
  while (arg.starts_with('-')) {
    auto space = arg.find(' ');
    arg = space == std::string_view::npos ? std::string_view() : arg.substr(space + 1);
  }
  return arg;
}

}  // namespace

void FtpSession::run_blocking(std::function<void()> work, std::function<void()> done) {
  run_off_network(ctx_.blocking, socket_.get_executor(), std::move(work),
                  [self = shared_from_this(), done = std::move(done)] {
                    if (!self->closed_) done();
                  });
}

// --- setting up the data connection

void FtpSession::on_pasv(std::string_view) {
  if (epsv_all_) return send(R::bad_sequence, "EPSV ALL was sent: use EPSV.");
  error_code ec;
  auto local = unmapped(socket_.local_endpoint(ec).address());
  if (!local.is_v4()) return send(R::protocol_not_supported, "PASV is IPv4 only; use EPSV.");
  try {
    data_ = DataChannel::listen(socket_.get_executor(), local, ctx_.passive_ports,
                                socket_.remote_endpoint(ec).address());
  } catch (const boost::system::system_error& e) {
    return send(R::cannot_open_data, std::string("No passive port: ") + e.what());
  }
  send(pasv_reply(local.to_v4(), data_->port()));
}

void FtpSession::on_epsv(std::string_view arg) {
  error_code ec;
  auto local = socket_.local_endpoint(ec).address();
  auto request = parse_epsv(arg, local);
  if (!request) return send(request.error());
  if (*request == EpsvRequest::all) {
    epsv_all_ = true;
    return send(R::ok, "EPSV ALL ok: only EPSV from now on.");
  }
  try {
    data_ = DataChannel::listen(socket_.get_executor(), local, ctx_.passive_ports,
                                socket_.remote_endpoint(ec).address());
  } catch (const boost::system::system_error& e) {
    return send(R::cannot_open_data, std::string("No passive port: ") + e.what());
  }
  send(epsv_reply(data_->port()));
}

void FtpSession::on_port(std::string_view arg) {
  set_active_target(parse_port(arg), "PORT");
}
void FtpSession::on_eprt(std::string_view arg) {
  set_active_target(parse_eprt(arg), "EPRT");
}

void FtpSession::set_active_target(const ReplyOr<Tcp::endpoint>& target, const char* verb) {
  if (epsv_all_) return send(R::bad_sequence, "EPSV ALL was sent: use EPSV.");
  if (!target) return send(target.error());
  error_code ec;
  if (auto refused = check_active_target(*target, socket_.remote_endpoint(ec).address()))
    return send(*refused);
  data_ = DataChannel::connect_to(socket_.get_executor(), *target,
                                  socket_.local_endpoint(ec).address());
  send(R::ok, std::string(verb) + " ok.");
}

// --- transfers

bool FtpSession::begin_transfer(const std::string& what) {
  if (!data_ || data_->busy()) {
    send(R::cannot_open_data, "Use PASV, EPSV, PORT or EPRT first.");
    return false;
  }
  transferring_ = true;
  transfer_what_ = what;
  send(R::file_status_ok, std::string("Opening ") + (ascii_ ? "ASCII" : "BINARY") +
                              " mode data connection for " + what + ".");
  return true;
}

DataChannel::Params FtpSession::transfer_params(std::function<void(TransferEnd)> on_end) {
  if (!buffer_) buffer_.reset(new std::byte[ctx_.limits.buffer_bytes]);
  return {std::span<std::byte>(buffer_.get(), ctx_.limits.buffer_bytes),
          ctx_.limits.data_connect_timeout, [this] { touch(); },
          [self = shared_from_this(), on_end = std::move(on_end)](TransferEnd end) {
            if (!self->closed_) on_end(std::move(end));
          }};
}

void FtpSession::end_transfer(const Reply& reply) {
  transferring_ = false;
  data_.reset();  // one transfer per PASV/PORT, as clients expect
  send(reply);
  if (std::exchange(abor_reply_pending_, false)) send(R::closing_data, "ABOR successful.");
  spdlog::info("ftp: {} {} -> {}", user_, transfer_what_, reply_number(reply.code));
  process_input();
}

void FtpSession::on_retr(std::string_view arg) {
  uint64_t offset = std::exchange(rest_offset_, 0);
  auto path = resolve(arg);
  if (!path) return;
  auto object = ctx_.store.open(*path);
  if (!object) return send(reply_for(object.status()));
  if (offset > object.value()->size())
    return send(R::invalid_rest, "REST offset " + std::to_string(offset) + " is past the end (" +
                                     std::to_string(object.value()->size()) + " bytes).");
  auto what = path->absolute() + " (" + std::to_string(object.value()->size()) + " bytes)";
  if (!begin_transfer(what)) return;
  data_->send_file(std::move(object).value(), offset, ascii_,
                   transfer_params([this, what](TransferEnd end) {
                     end_transfer(reply_for_end(end, "sent " + what));
                   }));
}

void FtpSession::on_stor(std::string_view arg) {
  store_file(arg, StoreMode::replace);
}
void FtpSession::on_appe(std::string_view arg) {
  store_file(arg, StoreMode::append);
}
void FtpSession::on_stou(std::string_view) {
  store_file("", StoreMode::unique);
}

void FtpSession::store_file(std::string_view arg, StoreMode mode) {
  uint64_t offset = std::exchange(rest_offset_, 0);
  const store::UploadOptions options{
      .sha256 = false, .length_announced = std::exchange(allo_bytes_, {}).has_value()};
  if (!may_write()) return;
  std::optional<store::ObjectPath> path;
  if (mode == StoreMode::unique) {
    unsigned char random[6];
    RAND_bytes(random, sizeof random);
    std::string name = "stou-";
    for (unsigned char r : random) name += "0123456789abcdef"[r % 16];
    auto child = cwd_.child(name);
    if (!child) return send(reply_for(child.status()));
    path = std::move(child).value();
  } else {
    path = resolve(arg);
  }
  if (!path || !not_locked(*path, false)) return;
  // A new name changes its collection: a lock on that (Depth 0 too) refuses it.
  if (!ctx_.store.stat(*path) && !not_locked(path->parent(), false)) return;
  if (mode == StoreMode::replace && offset == 0) {
    auto upload = ctx_.store.begin_upload(*path, options);
    if (!upload) return send(reply_for(upload.status()));
    return start_upload(*path, std::move(upload).value());
  }
  // Append and resume copy the kept prefix first: off the network thread.
  pause();
  auto result = std::make_shared<std::optional<store::Result<std::unique_ptr<store::Upload>>>>();
  run_blocking(
      [this, result, p = *path, mode, offset, options] {
        result->emplace(mode == StoreMode::append ? ctx_.store.begin_append(p, options)
                                                  : ctx_.store.begin_resume(p, offset, options));
      },
      [this, result, p = *path] {
        paused_ = false;
        auto& r = **result;
        if (!r) {
          send(r.status().code() == store::Errc::invalid_argument
                   ? Reply(R::invalid_rest, r.status().message())
                   : reply_for(r.status()));
        } else {
          start_upload(p, std::move(r).value());
        }
        process_input();
      });
}

void FtpSession::start_upload(store::ObjectPath path, std::unique_ptr<store::Upload> upload) {
  if (!begin_transfer(path.absolute())) return;  // the upload is aborted as it goes
  auto received = std::make_shared<std::unique_ptr<store::Upload>>();
  data_->receive(std::move(upload), ascii_,
                 transfer_params([this, path, received](TransferEnd end) {
                   on_upload_end(path, std::move(end), received);
                 }),
                 ctx_.blocking, ctx_.splice_pipe_bytes,
                 [received](std::unique_ptr<store::Upload> u) { *received = std::move(u); });
}

void FtpSession::on_upload_end(const store::ObjectPath& path, TransferEnd end,
                               std::shared_ptr<std::unique_ptr<store::Upload>> received) {
  if (end.kind != TransferEnd::Kind::complete || !*received)
    return end_transfer(reply_for_end(end, "stored " + path.absolute()));
  // In stream mode the end of the data is the end of the file, but a client that has
  // also dropped the control connection is gone, not done: abort (RFC 959 gives no way
  // to confirm; this closes most of the race with a vanishing client).
  char probe;
  if (::recv(socket_.native_handle(), &probe, 1, MSG_PEEK | MSG_DONTWAIT) == 0) {
    received->reset();
    spdlog::info("ftp: {} {}: control connection gone at the end of the data; aborted", user_,
                 path.absolute());
    return close();
  }
  // A clean end of the data stream: commit (fsync, rename) on the blocking pool.
  auto result = std::make_shared<std::optional<store::Result<store::CommitInfo>>>();
  run_blocking(
      [received, result] { result->emplace((*received)->commit()); },
      [this, result, path, bytes = end.bytes] {
        auto& r = **result;
        if (!r) return end_transfer(reply_for(r.status()));
        end_transfer(Reply(R::closing_data, "Transfer complete: " + std::to_string(bytes) +
                                                " bytes stored as " + path.absolute() + "."));
      });
}

void FtpSession::on_abor(std::string_view) {
  if (transferring_ && data_ && data_->busy()) {
    data_->abort("ABOR");  // the transfer's 426 goes first
    // ...which waits for a store write still running (DataChannel::abort): then
    // end_transfer sends this 226 after it.
    if (transferring_) {
      abor_reply_pending_ = true;
      return;
    }
    return send(R::closing_data, "ABOR successful.");
  }
  send(R::data_open_no_transfer, "No transfer to abort.");
}

// --- listings

void FtpSession::on_list(std::string_view arg) {
  list(arg, ListFormat::list);
}
void FtpSession::on_nlst(std::string_view arg) {
  list(arg, ListFormat::nlst);
}
void FtpSession::on_mlsd(std::string_view arg) {
  list(arg, ListFormat::mlsd);
}

std::string FtpSession::list_text(const store::ObjectPath& path, ListFormat format, bool* ok) {
  *ok = false;
  auto entry = ctx_.store.stat(path);
  if (!entry) {
    send(reply_for(entry.status()));
    return {};
  }
  std::vector<store::Entry> entries;
  if (entry->type == store::EntryType::directory) {
    auto listed = ctx_.store.list(path);
    if (!listed) {
      send(reply_for(listed.status()));
      return {};
    }
    entries = std::move(listed).value();
  } else if (format == ListFormat::mlsd) {
    send(R::file_unavailable, path.absolute() + ": MLSD lists directories; use MLST.");
    return {};
  } else {
    entries.push_back(*entry);
    entries.back().name = std::string(path.name());
  }
  ListingOptions options;
  clock_gettime(CLOCK_REALTIME, &options.now);
  options.writable = writable_;
  std::string text;
  for (const auto& e : entries) {
    switch (format) {
      case ListFormat::list:
        append_list_line(text, e, options);
        break;
      case ListFormat::nlst:
        append_nlst_line(text, e);
        break;
      case ListFormat::mlsd:
        append_mlsd_line(text, e, writable_);
        break;
    }
  }
  *ok = true;
  return text;
}

void FtpSession::list(std::string_view arg, ListFormat format) {
  if (format != ListFormat::mlsd) arg = strip_list_options(arg);
  auto path = arg.empty() ? std::optional(cwd_) : resolve(arg);
  if (!path) return;
  bool ok = false;
  auto text = list_text(*path, format, &ok);
  if (!ok || !begin_transfer("the listing of " + path->absolute())) return;
  data_->send_text(std::move(text), transfer_params([this](TransferEnd end) {
                     end_transfer(reply_for_end(end, "listing"));
                   }));
}

}  // namespace streamcheck::ftp
