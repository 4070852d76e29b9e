// One FTP control connection (RFC 959), in the shape of the HTTP session: the session
// owns its socket and state, every handler runs on its strand, takes an error_code and
// throws nothing. One command table (ftp_session.cpp) drives dispatch, FEAT and HELP;
// only the dispatcher answers 500, 501, 503 and 530.
//
// Commands are read one at a time. While a transfer runs, ABOR, STAT, NOOP and QUIT
// are answered at once; any other command waits until the transfer's final reply.
#pragma once

#include <array>
#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "refserver/ftp/ftp_command.hpp"
#include "refserver/ftp/ftp_context.hpp"
#include "refserver/ftp/ftp_data.hpp"
#include "refserver/ftp/ftp_line.hpp"
#include "refserver/ftp/ftp_reply.hpp"
#include "refserver/listener.hpp"

namespace streamcheck::ftp {

class FtpSession : public std::enable_shared_from_this<FtpSession> {
 public:
  using Tcp = boost::asio::ip::tcp;

  FtpSession(Tcp::socket socket, FtpContext& context, std::shared_ptr<std::atomic<size_t>> active);
  ~FtpSession();
  FtpSession(const FtpSession&) = delete;
  FtpSession& operator=(const FtpSession&) = delete;

  static constexpr const char* kProtocol = "ftp";
  static std::string_view busy_reply();

  void start();
  // Closes the session from any thread; a transfer in flight is aborted.
  void shutdown();

  using Handler = void (FtpSession::*)(std::string_view arg);

 private:
  friend struct CommandTable;  // the one table of verbs, in ftp_session.cpp
  using Clock = std::chrono::steady_clock;

  // --- control connection (ftp_session.cpp)
  void do_read();
  void process_input();
  void execute(const CommandLine& cmd);
  void send(const Reply& reply);
  void send(ReplyCode code, std::string text) { send(Reply(code, std::move(text))); }
  void do_write();
  void close();
  void close_after_reply(const Reply& reply);
  void touch();
  void do_watchdog();
  void pause() { paused_ = true; }
  void resume();
  bool may_write();
  // False, with 450 naming the lock, when a WebDAV lock covers `path` (or, with
  // `subtree`, anything beneath it): FTP has no way to present a lock token.
  bool not_locked(const store::ObjectPath& path, bool subtree);
  std::optional<store::ObjectPath> resolve(std::string_view arg);
  // resolve() and stat(); answers the error itself and returns nullopt when either fails.
  std::optional<std::pair<store::ObjectPath, store::Entry>> resolve_existing(std::string_view arg);

  // --- login and session commands (ftp_session.cpp)
  void on_user(std::string_view arg);
  void on_pass(std::string_view arg);
  void on_acct(std::string_view arg);
  void on_syst(std::string_view arg);
  void on_feat(std::string_view arg);
  void on_opts(std::string_view arg);
  void on_help(std::string_view arg);
  void on_noop(std::string_view arg);
  void on_quit(std::string_view arg);
  void on_type(std::string_view arg);
  void on_mode(std::string_view arg);
  void on_stru(std::string_view arg);
  void on_stat(std::string_view arg);

  // --- the namespace (ftp_files.cpp)
  void on_pwd(std::string_view arg);
  void on_cwd(std::string_view arg);
  void on_cdup(std::string_view arg);
  void on_mkd(std::string_view arg);
  void on_rmd(std::string_view arg);
  void on_dele(std::string_view arg);
  void on_rnfr(std::string_view arg);
  void on_rnto(std::string_view arg);
  void on_size(std::string_view arg);
  void on_mdtm(std::string_view arg);
  void on_mfmt(std::string_view arg);
  void on_mlst(std::string_view arg);
  void on_rest(std::string_view arg);
  void on_allo(std::string_view arg);

  // --- data connections and transfers (ftp_transfers.cpp)
  void on_pasv(std::string_view arg);
  void on_epsv(std::string_view arg);
  void on_port(std::string_view arg);
  void on_eprt(std::string_view arg);
  void on_retr(std::string_view arg);
  void on_stor(std::string_view arg);
  void on_stou(std::string_view arg);
  void on_appe(std::string_view arg);
  void on_list(std::string_view arg);
  void on_nlst(std::string_view arg);
  void on_mlsd(std::string_view arg);
  void on_abor(std::string_view arg);
  void set_active_target(const ReplyOr<Tcp::endpoint>& target, const char* verb);
  enum class ListFormat { list, nlst, mlsd };
  void list(std::string_view arg, ListFormat format);
  enum class StoreMode { replace, append, unique };
  void store_file(std::string_view arg, StoreMode mode);
  void start_upload(store::ObjectPath path, std::unique_ptr<store::Upload> upload);
  // Checks that a data channel is set up and sends 150; false (after 425) if not.
  bool begin_transfer(const std::string& what);
  DataChannel::Params transfer_params(std::function<void(TransferEnd)> on_end);
  void end_transfer(const Reply& reply);
  void on_upload_end(const store::ObjectPath& path, TransferEnd end,
                     std::shared_ptr<std::unique_ptr<store::Upload>> received);
  // Runs `work` on the blocking pool and `done` back on this session's strand.
  void run_blocking(std::function<void()> work, std::function<void()> done);
  std::string list_text(const store::ObjectPath& path, ListFormat format, bool* ok);

  Tcp::socket socket_;
  FtpContext& ctx_;
  std::shared_ptr<std::atomic<size_t>> active_;
  boost::asio::steady_timer watchdog_;
  boost::asio::steady_timer delay_timer_;
  Clock::time_point deadline_;
  bool closed_ = false;
  bool closing_ = false;  // the last reply is queued; close once it is written

  // Reading commands.
  std::array<char, 4096> read_buffer_{};
  std::string_view input_;  // filtered bytes of read_buffer_ not yet fed to lines_
  TelnetFilter telnet_;
  LineAssembler lines_;
  bool reading_ = false;
  bool paused_ = false;                  // a handler awaits something: no new command
  std::deque<CommandLine> held_;         // commands waiting for the transfer to end
  std::string previous_verb_;            // for must_follow; "" when it failed
  ReplyCode last_code_ = ReplyCode::ok;  // of the last reply sent
  int consecutive_errors_ = 0;

  // Writing replies, in order.
  std::deque<std::string> outbox_;
  bool writing_ = false;

  // Login and state.
  std::string user_;
  bool logged_in_ = false;
  bool writable_ = false;
  int login_failures_ = 0;
  store::ObjectPath cwd_ = store::ObjectPath::root();
  bool ascii_ = true;  // RFC 959: TYPE A until the client says otherwise
  uint64_t rest_offset_ = 0;
  std::optional<uint64_t> allo_bytes_;  // ALLO's size, for the next STOR, APPE or STOU
  std::optional<store::ObjectPath> rename_from_;
  bool epsv_all_ = false;

  // Data.
  std::unique_ptr<std::byte[]> buffer_;  // the one data buffer, at the first transfer
  std::shared_ptr<DataChannel> data_;
  bool transferring_ = false;
  bool abor_reply_pending_ = false;  // ABOR's 226, to follow the transfer's late 426
  std::string transfer_what_;
};

// The FTP front end: the shared accept loop, one FtpSession per control connection.
using FtpServer = Listener<FtpSession, FtpContext>;

}  // namespace streamcheck::ftp
