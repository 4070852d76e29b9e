// The HTTP/1.1 front end's shared settings. Each connection gets an HttpSession
// (http_session.hpp) from the common Listener; everything a session needs from outside
// is in HttpContext, shared by all sessions and outliving them.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>

#include <boost/asio/thread_pool.hpp>

#include "refserver/dav/lock_table.hpp"
#include "refserver/store/store.hpp"
#include "refserver/users.hpp"

namespace streamcheck::http {

struct HttpLimits {
  size_t buffer_bytes = 1024 * 1024;                 // the one body buffer per connection
  uint64_t max_upload = 0;                           // bytes; 0 = no limit
  size_t header_bytes = 16 * 1024;                   // request line + fields -> 431 beyond
  size_t target_bytes = 8 * 1024;                    // request target -> 414 beyond
  size_t max_parts = 64;                             // file parts in one multipart POST
  std::chrono::milliseconds header_timeout{10'000};  // to receive a whole header block
  std::chrono::milliseconds idle_timeout{60'000};    // without progress on a body
};

struct HttpContext {
  store::Store& store;
  const Users& users;
  // WebDAV write locks, shared with the FTP front end (which honours them with 450).
  dav::LockTable& locks;
  // Store calls that may block run here, never on the network threads: the ones the
  // store marks MAY BLOCK LONG (commit: fsync, rename), and every write of a body.
  boost::asio::thread_pool& blocking;
  // Bytes of the pipe an upload goes through by splice(2) (refserver/splice_pump.hpp);
  // 0 with --no-splice: through the buffer.
  size_t splice_pipe_bytes = 0;
  HttpLimits limits;
};

}  // namespace streamcheck::http
