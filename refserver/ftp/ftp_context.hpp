// The FTP front end's shared settings. Each control connection gets an FtpSession
// (ftp_session.hpp) from the common Listener; everything a session needs from outside
// is here, shared by all sessions and outliving them.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

#include <boost/asio/thread_pool.hpp>

#include "refserver/dav/lock_table.hpp"
#include "refserver/store/store.hpp"
#include "refserver/users.hpp"

namespace streamcheck::ftp {

enum class AnonymousAccess { off, read, write };

// Passive data ports; {0, 0} lets the kernel pick any free port.
struct PortRange {
  uint16_t low = 0;
  uint16_t high = 0;
};

struct FtpLimits {
  size_t buffer_bytes = 1024 * 1024;                       // the one data buffer per session
  size_t max_line = 4096;                                  // control line; longer ones get 500
  std::chrono::milliseconds idle_timeout{300'000};         // control idle, or a stalled transfer
  std::chrono::milliseconds data_connect_timeout{30'000};  // for the data connection
  int max_login_failures = 3;                              // then 421 and close
  std::chrono::milliseconds login_failure_delay{1'000};    // before each 530
  int max_consecutive_errors = 50;                         // 5xx in a row: 421 and close
};

struct FtpContext {
  store::Store& store;
  const Users& users;
  // WebDAV write locks: FTP has no lock tokens, so a locked object refuses STOR, APPE,
  // DELE and RNFR/RNTO with 450 naming the lock.
  const dav::LockTable& locks;
  // Store calls that may block run here, never on the network threads: the ones the
  // store marks MAY BLOCK LONG (commit, append's prefix copy), and every write of an
  // upload.
  boost::asio::thread_pool& blocking;
  // Bytes of the pipe an upload goes through by splice(2) (refserver/splice_pump.hpp);
  // 0 with --no-splice: through the buffer.
  size_t splice_pipe_bytes = 0;
  FtpLimits limits;
  PortRange passive_ports;
  AnonymousAccess anonymous = AnonymousAccess::off;
};

}  // namespace streamcheck::ftp
